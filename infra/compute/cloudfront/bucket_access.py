"""Whether S3 lets a CloudFront origin request read a key: the bucket policy, evaluated for the
principal the request comes as (``cloudfront.amazonaws.com`` with the distribution's ARN as
``AWS:SourceArn`` when the origin has an origin access control that signs, else anonymous), and
the bucket's public access block for anonymous requests.

S3 answers a missing key with 404 only to a principal that may list the bucket; to others with
403 AccessDenied (so nobody learns which keys exist) — the front door does the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

CLOUDFRONT = "cloudfront.amazonaws.com"


@dataclass(frozen=True)
class Principal:
    service: str | None  # None: anonymous
    source_arn: str = ""
    source_account: str = ""


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _principal_matches(statement: dict[str, Any], principal: Principal) -> bool:
    given = statement.get("Principal")
    if given == "*" or (isinstance(given, dict) and "*" in _listed(given.get("AWS", []))):
        return True
    if principal.service is None or not isinstance(given, dict):
        return False
    return principal.service in _listed(given.get("Service", []))


def _action_matches(statement: dict[str, Any], action: str) -> bool:
    return any(fnmatchcase(action.lower(), pattern.lower()) for pattern in _listed(statement.get("Action", [])))


def _resource_matches(statement: dict[str, Any], resource: str) -> bool:
    return any(fnmatchcase(resource, pattern) for pattern in _listed(statement.get("Resource", [])))


def _condition_holds(statement: dict[str, Any], principal: Principal) -> bool:
    context = {"aws:sourcearn": principal.source_arn, "aws:sourceaccount": principal.source_account}
    for operator, tests in (statement.get("Condition") or {}).items():
        for key, expected in tests.items():
            actual = context.get(key.lower())
            if not actual:
                return False  # a condition on a key the request does not carry does not hold
            if operator in ("StringEquals", "ArnEquals"):
                held = actual in _listed(expected)
            elif operator in ("StringLike", "ArnLike"):
                held = any(fnmatchcase(actual, pattern) for pattern in _listed(expected))
            else:
                held = False  # an operator not evaluated here grants nothing
            if not held:
                return False
    return True


def allowed(policy: dict[str, Any] | None, principal: Principal, action: str, resource: str) -> bool:
    """IAM's rule for one policy: an explicit Deny wins, else an Allow is needed."""
    verdict = False
    for statement in _listed((policy or {}).get("Statement", [])):
        if not (_principal_matches(statement, principal) and _action_matches(statement, action)
                and _resource_matches(statement, resource) and _condition_holds(statement, principal)):
            continue
        if statement.get("Effect") == "Deny":
            return False
        verdict = verdict or statement.get("Effect") == "Allow"
    return verdict


def bucket_policy(s3: Any, bucket: str) -> dict[str, Any] | None:
    try:
        return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except s3.exceptions.ClientError:
        return None


def public_access_blocked(s3: Any, bucket: str) -> bool:
    try:
        config = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except s3.exceptions.ClientError:
        return False
    return bool(config.get("RestrictPublicBuckets") or config.get("BlockPublicPolicy"))
