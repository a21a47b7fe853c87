"""The clock and the AWS clients a handler uses, built at call time from its environment.

On AWS the time is ``time.time()``. Inside the toolkit's compute plane (embedded and local targets)
the plane publishes its clock, which may be virtual, in ``infra.compute.clock``; it is consulted
only when that module is already loaded in this process, which it never is on AWS (the same
mechanism as functions/shared/durable_objects/runtime.py).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

_cache: dict[tuple[str, ...], Any] = {}
_guard = threading.Lock()


def now() -> float:
    published = sys.modules.get("infra.compute.clock")
    clock = published.active_clock() if published is not None else None
    return time.time() if clock is None else clock.now()


def aws(service: str) -> Any:
    """A boto3 client for ``service`` (cached per endpoint and region of the environment)."""
    import boto3

    key = (service, os.environ.get("AWS_ENDPOINT_URL", ""), os.environ.get("AWS_REGION", ""))
    with _guard:
        found = _cache.get(key)
        if found is None:
            found = _cache[key] = boto3.session.Session().client(service)
        return found
