"""What a handler takes from the place it runs: the time, and AWS clients built from its environment.

On AWS ``now()`` is ``time.time()`` and ``client(service)`` is a boto3 client for the endpoint, region
and credentials in the environment Lambda gives the function, kept warm between invocations.

One seam, and nothing else here knows who uses it: a host that runs handlers in its own process on
its own clock (the toolkit's compute plane, whose clock may be virtual) calls ``use_clock(clock.now)``
when it starts and ``use_clock(None)`` when it stops; in between ``now()`` reads that clock.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable

_clock: Callable[[], float] | None = None
_clients: dict[tuple[str, ...], Any] = {}
_clients_lock = threading.Lock()


def use_clock(now_fn: Callable[[], float] | None) -> None:
    """Read the time from ``now_fn`` from now on (``None``: back to ``time.time``)."""
    global _clock
    _clock = now_fn


def clock_in_use() -> Callable[[], float] | None:
    """The clock a host installed with ``use_clock``, if any."""
    return _clock


def now() -> float:
    """Seconds since the epoch, on the host's clock when one is installed."""
    installed = _clock
    return time.time() if installed is None else installed()


def client(service: str, endpoint_url: str | None = None) -> Any:
    """A boto3 client for ``service`` built from the environment the handler runs with; one per
    service, endpoint, region and credentials (functions sharing this module in one process each
    sign with their own role), kept between invocations as a Lambda keeps its clients warm."""
    import boto3

    key = (service, endpoint_url or os.environ.get("AWS_ENDPOINT_URL", ""), os.environ.get("AWS_REGION", ""),
           os.environ.get("AWS_ACCESS_KEY_ID", ""))
    with _clients_lock:
        found = _clients.get(key)
        if found is None:
            kwargs: dict[str, Any] = {"endpoint_url": endpoint_url} if endpoint_url else {}
            found = _clients[key] = boto3.session.Session().client(service, **kwargs)
        return found
