"""Failure records for rejected inputs: one JSON object in the output bucket + one log line."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fileconv import keys, storage
from fileconv.conversion import ObjectRef
from fileconv.errors import ConversionRejected, UnsafeKey
from fileconv.log import logger


def failure_record(conversion_name: str, ref: ObjectRef, message_id: str, exc: ConversionRejected) -> dict[str, Any]:
    return {
        "conversion": conversion_name,
        "bucket": ref.bucket,
        "key": ref.key,  # raw key, even when unsafe (the record's own name is hashed then)
        "reason": exc.reason,
        "error_type": type(exc).__name__,
        "message_id": message_id,
        "size": exc.size if exc.size is not None else ref.size,
        "event_name": ref.event_name,
        "failed_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def record_rejection(
    s3: Any, output_bucket: str, conversion_name: str, ref: ObjectRef, message_id: str, exc: ConversionRejected
) -> str:
    """Log the rejection, write its record, and return the record's key."""
    record = failure_record(conversion_name, ref, message_id, exc)
    record_key = keys.failure_record_key(conversion_name, ref.key, unsafe=isinstance(exc, UnsafeKey))
    logger.warning(
        f"{conversion_name} rejected s3://{ref.bucket}/{ref.key}: {exc.reason}",
        extra={**record, "record_key": record_key},
    )
    storage.put_json(s3, output_bucket, record_key, record)
    return record_key
