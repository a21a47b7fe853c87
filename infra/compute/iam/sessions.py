"""Role session credentials for functions, as Lambda gives them.

Lambda runs a function with temporary credentials of its execution role (an STS role session
named after the function): AWS_ACCESS_KEY_ID (ASIA...), AWS_SECRET_ACCESS_KEY and
AWS_SESSION_TOKEN. Here each (role, function) gets such a set; the access key id identifies the
session when the handler's boto3 calls reach moto in this process.
"""

from __future__ import annotations

import base64
import hashlib
import threading

from infra.compute.iam.policy import Principal

_by_key: dict[str, Principal] = {}
_lock = threading.Lock()


def session_arn(role_arn: str, session_name: str) -> str:
    """arn:aws:iam::ACCOUNT:role/path/Name -> arn:aws:sts::ACCOUNT:assumed-role/Name/session."""
    prefix, _, rest = role_arn.partition(":role/")
    account = prefix.split(":")[4]
    partition = prefix.split(":")[1]
    return f"arn:{partition}:sts::{account}:assumed-role/{rest.rsplit('/', 1)[-1]}/{session_name}"


def role_session_environment(role_arn: str, session_name: str) -> dict[str, str]:
    """The credential variables for a session of ``role_arn`` named ``session_name``."""
    digest = hashlib.sha256(f"{role_arn}\n{session_name}".encode()).digest()
    key_id = "ASIA" + base64.b32encode(digest).decode()[:16]
    principal = Principal(arn=session_arn(role_arn, session_name), role_arn=role_arn,
                          account=role_arn.split(":")[4])
    with _lock:
        _by_key[key_id] = principal
    return {
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": base64.b32encode(digest[8:]).decode()[:40],
        "AWS_SESSION_TOKEN": "toolkit-role-session/" + base64.urlsafe_b64encode(digest).decode(),
    }


def principal_for(access_key_id: str) -> Principal | None:
    """The role session an access key id belongs to (None: not a function's credentials)."""
    return _by_key.get(access_key_id)
