"""Where the toolkit keeps what moto's CloudFront does not: each distribution's whole
configuration as its template gave it (moto drops an origin's OriginAccessControlId and its
S3OriginConfig) and the template's cache / origin request policies (moto has no API for them).

Records live in the target's artifacts bucket beside the stack records, so the front door of
any process serving the target (embedded, ``up``) reads the same ones.
"""

from __future__ import annotations

import json
from typing import Any, Callable

DISTRIBUTIONS = "cloudfront/distributions"
CACHE_POLICIES = "cloudfront/cache-policies"
ORIGIN_REQUEST_POLICIES = "cloudfront/origin-request-policies"


def artifacts_bucket_name(account_id: str, region: str) -> str:
    return f"toolkit-artifacts-{account_id}-{region}"


class Records:
    def __init__(self, client: Callable[[str], Any], account_id: str, region: str) -> None:
        self._client = client
        self.bucket = artifacts_bucket_name(account_id, region)

    def put(self, kind: str, record_id: str, record: dict[str, Any]) -> None:
        self._client("s3").put_object(Bucket=self.bucket, Key=f"{kind}/{record_id}.json",
                                      Body=json.dumps(record).encode())

    def get(self, kind: str, record_id: str) -> dict[str, Any] | None:
        s3 = self._client("s3")
        try:
            body = s3.get_object(Bucket=self.bucket, Key=f"{kind}/{record_id}.json")["Body"].read()
        except s3.exceptions.ClientError:
            return None
        return json.loads(body)

    def delete(self, kind: str, record_id: str) -> None:
        self._client("s3").delete_object(Bucket=self.bucket, Key=f"{kind}/{record_id}.json")
