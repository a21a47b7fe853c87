"""S3 event notifications: records carry the fields AWS sends, and S3 -> Lambda is an
asynchronous invocation in the compute plane."""

from __future__ import annotations

import itertools
import uuid
from typing import Any
from urllib.parse import quote_plus

from infra.compute import active
from infra.compute.moto_hooks import patches

_sequencer = itertools.count(1)


def install() -> None:
    if not patches.claim(__name__):
        return
    import moto.s3.notifications as notifications

    original_event = notifications._get_s3_event
    original_invoke = notifications._invoke_awslambda

    def _get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event = original_event(event_name, bucket, key, notification_id)
        for record in event["Records"]:
            record["userIdentity"] = {"principalId": "AWS:AIDAEXAMPLELOCAL"}
            record["requestParameters"] = {"sourceIPAddress": "127.0.0.1"}
            record["responseElements"] = {
                "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                "x-amz-id-2": uuid.uuid4().hex,
            }
            obj = record["s3"]["object"]
            # URL-encoded as S3 does it: spaces as '+', but a '/' stays a '/' (moto sends %2F)
            obj["key"] = quote_plus(key.name, safe="/")
            obj["sequencer"] = f"{next(_sequencer):016X}"
            if getattr(key, "version_id", None) and key.version_id != "null":
                obj["versionId"] = key.version_id
            record["s3"]["bucket"]["ownerIdentity"] = {"principalId": "AEXAMPLELOCAL"}
        return event

    def _invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        plane = active.plane()
        if plane is None:
            return original_invoke(account_id, event_body, fn_arn, region_name)
        plane.invoke_async(fn_arn, event_body)

    patches.patch(notifications, "_get_s3_event", _get_s3_event)
    patches.patch(notifications, "_invoke_awslambda", _invoke_awslambda)
