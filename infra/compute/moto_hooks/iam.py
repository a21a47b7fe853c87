"""IAM: an AWS managed policy exists when it is attached or read (loading all ~1,600 of them per
IAM backend costs ~1 s)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from infra.compute.moto_hooks import patches

_ON_DEMAND = ("attach_role_policy", "attach_user_policy", "attach_group_policy", "get_policy")


def install() -> None:
    if not patches.claim(__name__):
        return
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, IAMBackend

    @lru_cache(maxsize=1)
    def catalogue() -> dict[str, Any]:
        return json.loads(aws_managed_policies_data)

    def ensure_aws_policy(backend: Any, policy_arn: str) -> None:
        if policy_arn in backend.managed_policies or ":iam::aws:policy/" not in policy_arn:
            return
        name = policy_arn.rsplit("/", 1)[-1]
        data = catalogue().get(name)
        if data is not None:
            policy = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
            if policy.arn == policy_arn:
                backend.managed_policies[policy.arn] = policy

    for method in _ON_DEMAND:
        original = getattr(IAMBackend, method)

        def wrapper(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            arn = kwargs.get("policy_arn", args[0] if args else "")
            ensure_aws_policy(self, str(arn))
            return __original(self, *args, **kwargs)

        patches.patch(IAMBackend, method, wrapper)
