"""Per-invocation environment variables and output capture for handlers sharing one process.

Lambda gives each function its own environment and its own stdout. Here handlers run on threads
of one process, so ``os.environ`` and ``sys.stdout``/``sys.stderr`` are replaced (once) by views
that look at the current thread: a thread running an invocation sees its function's variables
and writes into its invocation's log buffer; every other thread sees the process as before.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any, TextIO

from infra.compute import default_sessions

_local = threading.local()


class ThreadEnviron(MutableMapping[str, str]):
    """``os.environ`` with a per-thread overlay (the function's variables) on top of the process's."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self.base = base
        self.version = 0  # bumped by every write to the process's variables (process_environ's cache)

    def _overlay(self) -> dict[str, str] | None:
        return getattr(_local, "environ", None)

    def __getitem__(self, key: str) -> str:
        overlay = self._overlay()
        if overlay is not None:
            return overlay[key]
        return self.base[key]

    def __setitem__(self, key: str, value: str) -> None:
        overlay = self._overlay()
        if overlay is not None:
            overlay[key] = value
        else:
            self.base[key] = value
            self.version += 1

    def __delitem__(self, key: str) -> None:
        overlay = self._overlay()
        if overlay is not None:
            del overlay[key]
        else:
            del self.base[key]
            self.version += 1

    def __iter__(self) -> Iterator[str]:
        overlay = self._overlay()
        return iter(list(overlay if overlay is not None else self.base))

    def __len__(self) -> int:
        overlay = self._overlay()
        return len(overlay if overlay is not None else self.base)

    def copy(self) -> dict[str, str]:
        return dict(self)

    # os.environ API used by the standard library (subprocess, os.getenv)
    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)


class ThreadStream(io.TextIOBase):
    """A stdout/stderr that sends an invocation thread's writes to its log buffer."""

    def __init__(self, fallback: TextIO, name: str) -> None:
        self.fallback = fallback
        self._name = name

    def _target(self) -> TextIO:
        buffer = getattr(_local, "log", None)
        return buffer if buffer is not None else self.fallback

    def write(self, text: str) -> int:  # type: ignore[override]
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


class InvocationLogHandler(logging.Handler):
    """The root logger's handler in Lambda's Python runtime: records logged on an invocation's
    thread go to its output as ``[LEVEL]\t<time>Z\t<request id>\t<message>``; other threads' are
    left to the process's own logging setup."""

    def __init__(self) -> None:
        super().__init__()
        formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
                                      "%Y-%m-%dT%H:%M:%S")
        formatter.converter = time.gmtime
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        buffer = getattr(_local, "log", None)
        if buffer is None:
            return
        try:
            record.aws_request_id = getattr(_local, "request_id", None) or ""
            buffer.write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 - logging must never fail the handler
            self.handleError(record)


_snapshot: tuple[int, int, dict[str, str]] | None = None  # (version, size, the process's variables)


def process_environ() -> dict[str, str]:
    """The process's environment, without the overlay of the invocation running on this thread
    (a function invoked from inside another must not inherit the caller's variables). Decoding
    ``os.environ`` costs ~0.1 ms an invocation, so a snapshot is kept until a write changes it."""
    global _snapshot
    environ = os.environ
    if not isinstance(environ, ThreadEnviron):
        return dict(environ)
    snapshot = _snapshot
    if snapshot is None or snapshot[0] != environ.version or snapshot[1] != len(environ.base):
        snapshot = _snapshot = (environ.version, len(environ.base), dict(environ.base))
    return dict(snapshot[2])


_install_lock = threading.Lock()
_log_handler = InvocationLogHandler()


def _ensure_installed() -> None:
    with _install_lock:
        if not isinstance(os.environ, ThreadEnviron):
            os.environ = ThreadEnviron(os.environ)  # type: ignore[assignment]
        if not isinstance(sys.stdout, ThreadStream):
            sys.stdout = ThreadStream(sys.stdout, "stdout")
        if not isinstance(sys.stderr, ThreadStream):
            sys.stderr = ThreadStream(sys.stderr, "stderr")
        root = logging.getLogger()
        if _log_handler not in root.handlers:
            root.addHandler(_log_handler)
    default_sessions.install(in_invocation)


def in_invocation() -> bool:
    """Whether this thread is running an invocation (it sees a function's environment)."""
    return getattr(_local, "environ", None) is not None


@contextmanager
def isolated(environ: Mapping[str, str], log: io.StringIO, request_id: str | None = None) -> Iterator[None]:
    """Run the body with ``environ`` as this thread's environment and ``log`` as its output
    (``print`` and the ``logging`` module alike)."""
    _ensure_installed()
    _local.environ = dict(environ)
    _local.log = log
    _local.request_id = request_id
    try:
        yield
    finally:
        _local.environ = None
        _local.log = None
        _local.request_id = None
