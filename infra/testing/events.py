"""Event factories: the events AWS hands a Lambda function, in their real shapes, for tests that call
a handler directly or invoke a deployed function (``lambda.invoke(Payload=json.dumps(event))``).

    events.s3_put("uploads", "photos/my cat.png", size=1024)       # {"Records": [S3 record]}
    events.sqs_event(events.sqs_message({"id": 1}, queue="orders.fifo", group_id="customer-7"))
    events.sns_event({"hello": "world"}, topic="alerts")           # SNS -> Lambda
    events.sqs_message(events.sns_envelope({...}, topic="t"))      # SNS -> SQS (not raw) -> Lambda
    events.kinesis_event(events.kinesis_record(b"payload", partition_key="device-1"))
    events.api_gateway_request("POST", "/orders", body={"item": "beans"})   # REST API proxy (v1)

Every call gets fresh ids (message ids, receipt handles, request ids); S3 keys are URL-encoded with
``+`` for spaces as S3 does; FIFO messages carry MessageGroupId, MessageDeduplicationId and a
SequenceNumber; Kinesis records get 56-digit sequence numbers increasing per shard, as Kinesis
gives them; the API Gateway event is built by the HTTP front door's own event code.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import struct
import time
import uuid
from datetime import datetime, timezone
from typing import Any, TypedDict
from urllib.parse import quote_plus

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account, as the embedded target's ARNs have it

_sqs_sequence = itertools.count(1)
_kinesis_sequence = itertools.count(1)
_KINESIS_FIRST = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898  # 56 digits


class S3Record(TypedDict):
    eventVersion: str
    eventSource: str
    awsRegion: str
    eventTime: str
    eventName: str
    userIdentity: dict[str, str]
    requestParameters: dict[str, str]
    responseElements: dict[str, str]
    s3: dict[str, Any]


class SqsRecord(TypedDict):
    messageId: str
    receiptHandle: str
    body: str
    attributes: dict[str, str]
    messageAttributes: dict[str, Any]
    md5OfBody: str
    md5OfMessageAttributes: str | None
    eventSource: str
    eventSourceARN: str
    awsRegion: str


class KinesisRecord(TypedDict):
    kinesis: dict[str, Any]
    eventSource: str
    eventVersion: str
    eventID: str
    eventName: str
    invokeIdentityArn: str
    awsRegion: str
    eventSourceARN: str


def _now_iso(now: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if now is None else now, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _arn(service: str, name: str, region: str) -> str:
    return name if name.startswith("arn:") else f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{name}"


# -- S3 -------------------------------------------------------------------------------------------


def s3_record(bucket: str, key: str, size: int = 0, event_name: str = "ObjectCreated:Put",
              region: str = REGION, etag: str | None = None) -> S3Record:
    """One S3 notification record; the key URL-encoded with ``+`` for spaces, as S3 sends it."""
    return {
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": region, "eventTime": _now_iso(),
        "eventName": event_name,
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "203.0.113.10"},
        "responseElements": {"x-amz-request-id": secrets.token_hex(8).upper(),
                             "x-amz-id-2": base64.b64encode(secrets.token_bytes(48)).decode()},
        "s3": {
            "s3SchemaVersion": "1.0", "configurationId": "notification",
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                       "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": quote_plus(key, safe="/"), "size": size,
                       "eTag": etag or hashlib.md5(key.encode()).hexdigest(),
                       "sequencer": f"{time.time_ns():016X}"[:18]},
        },
    }


def s3_event(*records: S3Record) -> dict[str, list[S3Record]]:
    return {"Records": list(records)}


def s3_put(bucket: str, key: str, size: int = 0, region: str = REGION) -> dict[str, list[S3Record]]:
    """The event of one object created by PutObject."""
    return s3_event(s3_record(bucket, key, size, region=region))


def s3_test_event(bucket: str) -> dict[str, str]:
    """What S3 sends once when a notification configuration is saved (no ``Records``)."""
    return {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": _now_iso(), "Bucket": bucket,
            "RequestId": secrets.token_hex(8).upper(),
            "HostId": base64.b64encode(secrets.token_bytes(48)).decode()}


# -- SQS ------------------------------------------------------------------------------------------


def sqs_message(body: Any, queue: str = "queue", *, group_id: str | None = None,
                deduplication_id: str | None = None, message_attributes: dict[str, str | bytes] | None = None,
                receive_count: int = 1, region: str = REGION) -> SqsRecord:
    """One record of an SQS batch. ``body``: text, or anything JSON (an SNS envelope, a dict).
    A FIFO queue (name ending ``.fifo``) needs ``group_id``; its record carries MessageGroupId,
    MessageDeduplicationId (the body's SHA-256 unless given, as content-based deduplication does)
    and a SequenceNumber."""
    text = body if isinstance(body, str) else json.dumps(body)
    arn = _arn("sqs", queue, region)
    fifo = arn.endswith(".fifo")
    if fifo != (group_id is not None):
        raise ValueError("a FIFO queue (name ending .fifo) needs group_id, and only a FIFO queue takes one")
    sent = int(time.time() * 1000)
    attributes = {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": str(sent),
                  "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": str(sent + 7)}
    if fifo:
        attributes.update({"MessageGroupId": group_id or "",
                           "MessageDeduplicationId": deduplication_id or hashlib.sha256(text.encode()).hexdigest(),
                           "SequenceNumber": f"{18_849_496_460_467_696_128 + next(_sqs_sequence):020d}"})
    lambda_attributes = {name: _message_attribute(value) for name, value in (message_attributes or {}).items()}
    return {
        "messageId": str(uuid.uuid4()), "receiptHandle": "AQEB" + base64.b64encode(secrets.token_bytes(96)).decode(),
        "body": text, "attributes": attributes, "messageAttributes": lambda_attributes,
        "md5OfBody": hashlib.md5(text.encode()).hexdigest(),
        "md5OfMessageAttributes": _attributes_md5(message_attributes) if message_attributes else None,
        "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": region,
    }


def _message_attribute(value: str | bytes) -> dict[str, Any]:
    if isinstance(value, bytes):
        return {"binaryValue": base64.b64encode(value).decode(), "stringListValues": [], "binaryListValues": [],
                "dataType": "Binary"}
    return {"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": "String"}


def _attributes_md5(attributes: dict[str, str | bytes]) -> str:
    """SQS's MD5 of message attributes: per attribute, sorted by name, length-prefixed name, type,
    a transport byte (1 string, 2 binary) and length-prefixed value."""
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        data_type, transport, raw = ("Binary", 2, value) if isinstance(value, bytes) else ("String", 1, value.encode())
        for part in (name.encode(), data_type.encode()):
            digest.update(struct.pack(">I", len(part)) + part)
        digest.update(bytes([transport]) + struct.pack(">I", len(raw)) + raw)
    return digest.hexdigest()


def sqs_event(*records: SqsRecord) -> dict[str, list[SqsRecord]]:
    return {"Records": list(records)}


# -- SNS ------------------------------------------------------------------------------------------


def _notification(message: Any, topic_arn: str, subject: str | None) -> dict[str, Any]:
    return {
        "Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic_arn, "Subject": subject,
        "Message": message if isinstance(message, str) else json.dumps(message), "Timestamp": _now_iso(),
        "SignatureVersion": "1", "Signature": base64.b64encode(secrets.token_bytes(64)).decode(),
    }


def sns_envelope(message: Any, topic: str = "topic", subject: str | None = None,
                 region: str = REGION) -> dict[str, Any]:
    """The JSON an SNS topic delivers to a subscribed SQS queue (without raw message delivery)."""
    topic_arn = _arn("sns", topic, region)
    notification = _notification(message, topic_arn, subject)
    if subject is None:
        del notification["Subject"]  # absent, not null, in what SQS receives
    return {**notification,
            "SigningCertURL": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-{secrets.token_hex(16)}.pem",
            "UnsubscribeURL": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
                              f"{topic_arn}:{uuid.uuid4()}"}


def sns_event(message: Any, topic: str = "topic", subject: str | None = None,
              region: str = REGION) -> dict[str, list[dict[str, Any]]]:
    """The event an SNS topic invokes a subscribed function with (note AWS's casing: ``SigningCertUrl``)."""
    topic_arn = _arn("sns", topic, region)
    subscription = f"{topic_arn}:{uuid.uuid4()}"
    sns = {**_notification(message, topic_arn, subject), "MessageAttributes": {},
           "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-{secrets.token_hex(16)}.pem",
           "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription}"}
    return {"Records": [{"EventVersion": "1.0", "EventSubscriptionArn": subscription, "EventSource": "aws:sns",
                         "Sns": sns}]}


# -- Kinesis --------------------------------------------------------------------------------------


def kinesis_record(data: bytes | str | Any, partition_key: str = "key", stream: str = "stream",
                   shard: int = 0, region: str = REGION) -> KinesisRecord:
    """One record of a Kinesis batch: base64 data, a 56-digit sequence number greater than the last."""
    raw = data if isinstance(data, bytes) else (data if isinstance(data, str) else json.dumps(data)).encode()
    sequence = str(_KINESIS_FIRST + next(_kinesis_sequence) * 2**20)
    shard_id = f"shardId-{shard:012d}"
    return {
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": partition_key, "sequenceNumber": sequence,
                    "data": base64.b64encode(raw).decode(), "approximateArrivalTimestamp": round(time.time(), 3)},
        "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"{shard_id}:{sequence}",
        "eventName": "aws:kinesis:record", "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT_ID}:role/lambda-role",
        "awsRegion": region, "eventSourceARN": _arn("kinesis", f"stream/{stream}", region),
    }


def kinesis_event(*records: KinesisRecord) -> dict[str, list[KinesisRecord]]:
    return {"Records": list(records)}


# -- API Gateway ----------------------------------------------------------------------------------


def api_gateway_request(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                        resource: str | None = None, path_parameters: dict[str, str] | None = None,
                        stage: str = "prod", api_id: str = "abc123defg") -> dict[str, Any]:
    """A REST API's Lambda proxy event (payload format 1.0) for ``method path?query``, made by the
    front door's own event code; ``resource`` is the route (``/orders/{id}``), default the path."""
    from infra.compute.http.events import RequestInfo, rest_event
    from infra.compute.http.messages import HttpRequest

    request = HttpRequest.build(method, path, {"Host": f"{api_id}.execute-api.{REGION}.amazonaws.com",
                                               "User-Agent": "toolkit-tests", **(headers or {})}, body)
    info = RequestInfo(request, api_id, stage, resource or request.path, secrets.token_hex(3), request.path,
                       dict(path_parameters or {}), {}, str(uuid.uuid4()), ACCOUNT_ID, time.time())
    return rest_event(info, [])
