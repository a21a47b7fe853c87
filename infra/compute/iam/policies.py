"""The policies that apply to a request, read from moto's backends in this process.

Identity policies: the role's inline policies and the default version of every managed policy
attached to it (AWS managed ones such as AWSLambdaBasicExecutionRole included), kept per role
until IAM changes (a generation counter bumped by every IAM write). Resource policies: SQS queue
policies, SNS topic policies, Lambda function policies and S3 bucket policies (the services where
AWS checks them for these patterns), read at each request.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from infra.compute.moto_hooks import patches

_generation = 0
_identity_cache: dict[tuple[str, int], tuple[str, ...]] = {}
_lock = threading.Lock()

IAM_WRITES = ("create_role", "delete_role", "put_role_policy", "delete_role_policy", "attach_role_policy",
              "detach_role_policy", "create_policy", "delete_policy", "create_policy_version",
              "delete_policy_version", "set_default_policy_version")


def install() -> None:
    """Every IAM write invalidates the identity policies kept so far."""
    from moto.iam.models import IAMBackend

    for name in IAM_WRITES:
        original = getattr(IAMBackend, name)

        def write(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            global _generation
            try:
                return __original(self, *args, **kwargs)
            finally:
                with _lock:
                    _generation += 1
                    _identity_cache.clear()

        patches.patch(IAMBackend, name, write)


def identity_policies(role_arn: str) -> tuple[str, ...]:
    """The role's policy documents as JSON text (empty when the role does not exist)."""
    key = (role_arn, _generation)
    found = _identity_cache.get(key)
    if found is None:
        found = _read_identity_policies(role_arn)
        with _lock:
            if key[1] == _generation:
                _identity_cache[key] = found
    return found


def _read_identity_policies(role_arn: str) -> tuple[str, ...]:
    from moto.iam.models import iam_backends

    account = role_arn.split(":")[4]
    backend = iam_backends[account]["global"]
    role = next((r for r in backend.roles.values() if r.arn == role_arn), None)
    if role is None:
        return ()
    documents = [_text(document) for document in role.policies.values()]
    for policy in role.managed_policies.values():
        version = next((v for v in policy.versions if v.version_id == policy.default_version_id), None)
        if version is not None:
            documents.append(_text(version.document))
    return tuple(documents)


def _text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def resource_policy(resource_arn: str, account: str) -> str | None:
    """The resource's own policy (JSON text), for the services whose resource policies AWS checks
    (``account``: the request's, for S3 ARNs that carry none)."""
    parts = resource_arn.split(":", 5)
    if len(parts) < 6:
        return None
    service, region, rest = parts[2], parts[3], parts[5]
    reader = _READERS.get(service)
    if reader is None:
        return None
    try:
        return reader(region, parts[4] or account, rest)
    except Exception:  # noqa: BLE001 - a resource that does not exist has no policy (moto reports it)
        return None


def _sqs(region: str, account: str, rest: str) -> str | None:
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[account][region].queues.get(rest)
    return queue.policy if queue is not None and queue.policy else None


def _sns(region: str, account: str, rest: str) -> str | None:
    from moto.sns.models import sns_backends

    topic = sns_backends[account][region].topics.get(f"arn:aws:sns:{region}:{account}:{rest}")
    return topic.policy if topic is not None else None


def _lambda(region: str, account: str, rest: str) -> str | None:
    from moto.awslambda.models import lambda_backends

    name = rest.split(":")[1] if rest.startswith("function:") else rest
    fn = lambda_backends[account][region].get_function(name)
    statements = fn.policy.statements if fn.policy is not None else []
    return json.dumps({"Version": "2012-10-17", "Statement": statements}) if statements else None


def _s3(region: str, account: str, rest: str) -> str | None:
    from moto.s3.models import s3_backends

    bucket_name = rest.split("/", 1)[0]
    bucket = s3_backends[account]["aws"].buckets.get(bucket_name)
    policy = bucket.policy if bucket is not None else None
    return policy.decode() if isinstance(policy, bytes) else policy


_READERS = {"sqs": _sqs, "sns": _sns, "lambda": _lambda, "s3": _s3}
