"""SQS message -> S3 object references.

A body is either an SNS envelope (``{"Type": "Notification", "Message": "<S3 event JSON>"}``)
or, with raw message delivery, the S3 event itself. ``s3:TestEvent`` yields nothing.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.s3_event import S3EventRecord
from aws_lambda_powertools.utilities.data_classes.sns_event import SNSMessage
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from fileconv.conversion import ObjectRef
from fileconv.errors import MalformedMessage
from fileconv.log import logger

def object_refs(record: SQSRecord) -> list[ObjectRef]:
    """All ObjectCreated objects named by one SQS message (empty for an s3:TestEvent)."""
    payload = _s3_payload(record)
    if payload.get("Event") == "s3:TestEvent":
        logger.info("s3:TestEvent acknowledged and ignored", extra={"message_id": record.message_id})
        return []
    if not isinstance(payload.get("Records"), list):
        raise MalformedMessage(f"message {record.message_id} holds no S3 event records")
    refs: list[ObjectRef] = []
    for s3_record in S3Event(payload).records:
        ref = _object_ref(s3_record)
        if ref is not None:
            refs.append(ref)
    return refs


def _s3_payload(record: SQSRecord) -> dict[str, Any]:
    body = _json_object(record.body, what="SQS body")
    if body.get("Type") == "Notification" and "Message" in body:
        return _json_object(SNSMessage(body).message, what="SNS Message")
    return body


def _json_object(text: str, *, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise MalformedMessage(f"{what} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise MalformedMessage(f"{what} is not a JSON object")
    return value


def _object_ref(s3_record: S3EventRecord) -> ObjectRef | None:
    try:
        event_name = s3_record.event_name
        bucket = s3_record.s3.bucket.name
        obj = s3_record.s3.get_object
        raw_key = obj["key"]
    except (KeyError, TypeError) as exc:
        raise MalformedMessage(f"S3 event record is missing {exc}") from None
    if not event_name.startswith("ObjectCreated:"):
        logger.info("non-ObjectCreated S3 event ignored", extra={"event_name": event_name, "bucket": bucket})
        return None
    size = obj.get("size")
    return ObjectRef(
        bucket=bucket,
        key=unquote_plus(raw_key),  # S3 event keys are URL-encoded with '+' for spaces
        size=int(size) if size is not None else None,
        event_name=event_name,
    )
