"""boto3's default session as a handler sees it: its own, reading its function's environment.

On Lambda each function runs in a process of its own, so ``boto3.client(...)`` (boto3's default
session) reads that function's region, endpoint and credentials. Here handlers share one process,
and boto3's single default session is a trap twice over: it resolves credentials once (the first
function to call it would sign every other function's calls), and its configuration chain holds
on to the ``os.environ`` object it was made with — made before the executor installed the
per-thread environment (by moto's Step Functions, a test, the user's code), it reads the process's
variables only, and a handler whose region is only in its function's environment gets
``NoRegionError`` (seen on LocalStack after an embedded run in the same process).

So on an invocation's thread ``boto3.client(...)`` uses a default session made on such a thread
(reading the per-thread environment), one per access key id; elsewhere boto3's own.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable

_sessions: dict[str, Any] = {}
_lock = threading.Lock()
_original: Callable[[], Any] | None = None  # boto3's own, while ours is in place


def install(in_invocation: Callable[[], bool]) -> None:
    """Route ``boto3``'s default session through :func:`_for_invocation` on invocation threads."""
    global _original
    import boto3

    with _lock:
        if _original is not None:
            return
        original = _original = boto3._get_default_session

    def _get_default_session() -> Any:
        return _for_invocation(original) if in_invocation() else original()

    boto3._get_default_session = _get_default_session


def uninstall() -> None:
    """boto3's own default session back (the sessions made for invocations are dropped)."""
    global _original
    import boto3

    with _lock:
        if _original is None:
            return
        boto3._get_default_session = _original
        _original = None
        _sessions.clear()


def _for_invocation(process_session: Callable[[], Any]) -> Any:
    key_id = os.environ.get("AWS_ACCESS_KEY_ID", "")
    session = _sessions.get(key_id)
    if session is None:
        import boto3
        import botocore.session

        # made now, on this thread: its configuration and credential chains read os.environ as this
        # invocation sees it; the process's service models, already loaded, are shared (~40 ms, not ~100)
        core = botocore.session.Session()
        core.register_component("data_loader", process_session()._session.get_component("data_loader"))
        with _lock:
            session = _sessions.setdefault(key_id, boto3.session.Session(botocore_session=core))
    return session
