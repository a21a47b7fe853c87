"""S3 reads and writes. ClientErrors other than NoSuchKey propagate (transient: retried)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from fileconv import limits
from fileconv.conversion import ObjectRef, SourceObject
from fileconv.errors import ObjectGone

# Note for IAM: without s3:ListBucket on the input bucket, S3 answers a missing key
# with AccessDenied instead of NoSuchKey, which is then (wrongly) retried.
_GONE_CODES = {"NoSuchKey", "404"}


def fetch(s3: Any, ref: ObjectRef, max_bytes: int) -> SourceObject:
    """Download the object, refusing (before reading the body) if it exceeds ``max_bytes``."""
    try:
        response = s3.get_object(Bucket=ref.bucket, Key=ref.key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _GONE_CODES:
            raise ObjectGone("object no longer exists") from None
        raise
    body = response["Body"]
    try:
        # The object may have been replaced since the event: trust the response's length.
        limits.check_input_size(response.get("ContentLength"), max_bytes)
        data = body.read(max_bytes + 1)  # bounded even if ContentLength were missing
        limits.check_input_size(len(data), max_bytes)
    finally:
        body.close()
    return SourceObject(bucket=ref.bucket, key=ref.key, data=data, last_modified=response.get("LastModified"))


def put(s3: Any, bucket: str, key: str, body: bytes, content_type: str, metadata: dict[str, str]) -> None:
    """Write one object; metadata values are URL-quoted (S3 metadata must be ASCII)."""
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType=content_type,
        Metadata={name: quote(value, safe="") for name, value in metadata.items()},
    )


def put_json(s3: Any, bucket: str, key: str, document: dict[str, Any]) -> None:
    body = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json; charset=utf-8")
