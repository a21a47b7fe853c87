"""IAM enforced locally: a function's boto3 calls carry its execution role's identity and are
checked against the role's policies (and the resource's policy) before moto runs them.

On by default; off with the environment variable ``TOOLKIT_IAM=off`` or
``Cloud.embedded(enforce_iam=False)``. Only calls made with a function's role session
credentials are checked: the toolkit's own calls (deploy, pollers, a workload) are not, as on
AWS where the deployer is an administrator.
"""

from __future__ import annotations

import os
from typing import Any

from infra.compute.iam.sessions import role_session_environment

ENV_SWITCH = "TOOLKIT_IAM"
_OFF = ("0", "off", "false", "no", "disabled")
_override: bool | None = None
_owner: Any = None


def enforce(enabled: bool | None, owner: Any = None) -> None:
    """Turn enforcement on or off (None: the environment variable decides). With an ``owner``
    (a compute plane), the choice holds only while that plane is the active one, so a cloud
    built with enforcement off does not turn it off for the next one."""
    global _override, _owner
    _override, _owner = enabled, owner


def enforcing() -> bool:
    if _override is not None:
        from infra.compute import active

        if _owner is None or active.plane() is _owner:
            return _override
    return os.environ.get(ENV_SWITCH, "on").strip().lower() not in _OFF


def credentials_for(spec: Any) -> dict[str, str]:
    """The role session credentials a function's invocation gets ({} when enforcement is off or
    the function's role is not known in this process)."""
    role = getattr(spec, "role", "")
    if not role or not enforcing():
        return {}
    return role_session_environment(role, spec.name)
