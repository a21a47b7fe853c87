"""Where the library gets its clock and its AWS clients when a namespace is not given them.

On AWS the clock is ``time.time``. Inside the toolkit's compute plane (the embedded and local
targets) handlers read the plane's clock, which may be virtual: ``infra.compute.clock`` publishes
it, and this module looks for it only if that module is already loaded (it never is on AWS).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

_clients: dict[tuple[str | None, ...], Any] = {}
_lock = threading.Lock()


def now() -> float:
    clock_module = sys.modules.get("infra.compute.clock")
    clock = getattr(clock_module, "active_clock", lambda: None)() if clock_module else None
    return clock.now() if clock is not None else time.time()


def client(service: str, endpoint_url: str | None = None) -> Any:
    """A boto3 client built from the environment the handler runs in (cached per endpoint)."""
    import os

    import boto3

    # keyed by the credentials too: functions sharing this module each sign with their own role
    key = (service, endpoint_url or os.environ.get("AWS_ENDPOINT_URL"), os.environ.get("AWS_REGION"),
           os.environ.get("AWS_ACCESS_KEY_ID"))
    with _lock:
        if key not in _clients:
            kwargs: dict[str, Any] = {"endpoint_url": endpoint_url} if endpoint_url else {}
            _clients[key] = boto3.session.Session().client(service, **kwargs)
        return _clients[key]
