"""Per-invocation environment variables and output capture for handlers sharing one process.

Lambda gives each function its own environment and its own stdout. Here handlers run on threads
of one process, so while a compute plane runs handlers (``install()`` ... ``uninstall()``, counted:
each executor installs on creation and uninstalls when shut down), ``os.environ`` and
``sys.stdout``/``sys.stderr`` are views that look at the current thread: a thread running an
invocation sees its function's variables and writes into its invocation's log buffer; every other
thread sees the process as before. When the last executor is shut down, the originals are back.
"""

from __future__ import annotations

import io
import itertools
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

    _serials = itertools.count(1)

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self.base = base
        self.serial = next(ThreadEnviron._serials)  # tells this view from a later one
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


_snapshot: tuple[ThreadEnviron, int, int, dict[str, str]] | None = None  # (view, version, size, variables)


def process_environ() -> dict[str, str]:
    """The process's environment, without the overlay of the invocation running on this thread
    (a function invoked from inside another must not inherit the caller's variables). Decoding
    ``os.environ`` costs ~0.1 ms an invocation, so a snapshot is kept until a write changes it."""
    global _snapshot
    environ = os.environ
    if not isinstance(environ, ThreadEnviron):
        return dict(environ)
    snapshot = _snapshot
    if (snapshot is None or snapshot[0] is not environ or snapshot[1] != environ.version
            or snapshot[2] != len(environ.base)):
        snapshot = _snapshot = (environ, environ.version, len(environ.base), dict(environ.base))
    return dict(snapshot[3])


def process_environ_stamp() -> tuple[int, int, int] | None:
    """Changes whenever the process's variables may have (None: not known, assume they did)."""
    environ = os.environ
    if not isinstance(environ, ThreadEnviron):
        return None
    return environ.serial, environ.version, len(environ.base)


class NotInstalled(RuntimeError):
    """``isolated()`` was used while no compute plane holds the per-thread views installed."""


_install_lock = threading.Lock()
_installs = 0  # how many holders (executors) want the views installed
_log_handler = InvocationLogHandler()


def install() -> None:
    """Put the per-thread views in place of ``os.environ``, ``sys.stdout`` and ``sys.stderr`` (and
    Lambda's log handler on the root logger); counted, so each ``install()`` needs its ``uninstall()``."""
    global _installs
    with _install_lock:
        _installs += 1
        _put_views_in_place()
        if _installs == 1:
            default_sessions.install(in_invocation)


def _put_views_in_place() -> None:
    """(Under the lock.) Also after someone else replaced a stream while installed (pytest's output
    capture does between a test's phases): the views wrap whatever the process has now."""
    if not isinstance(os.environ, ThreadEnviron):
        os.environ = ThreadEnviron(os.environ)  # type: ignore[assignment]
    if not isinstance(sys.stdout, ThreadStream):
        sys.stdout = ThreadStream(sys.stdout, "stdout")
    if not isinstance(sys.stderr, ThreadStream):
        sys.stderr = ThreadStream(sys.stderr, "stderr")
    root = logging.getLogger()
    if _log_handler not in root.handlers:
        root.addHandler(_log_handler)


def uninstall() -> None:
    """Undo one ``install()``; the last one puts the process's own ``os.environ``, ``sys.stdout``
    and ``sys.stderr`` back (a stream someone replaced in the meantime is left as they set it)."""
    global _installs, _snapshot
    with _install_lock:
        if _installs == 0:
            return
        _installs -= 1
        if _installs > 0:
            return
        if isinstance(os.environ, ThreadEnviron):
            os.environ = os.environ.base  # type: ignore[assignment]
        _snapshot = None
        if isinstance(sys.stdout, ThreadStream):
            sys.stdout = sys.stdout.fallback
        if isinstance(sys.stderr, ThreadStream):
            sys.stderr = sys.stderr.fallback
        logging.getLogger().removeHandler(_log_handler)
        default_sessions.uninstall()


def installed() -> bool:
    return _installs > 0


def in_invocation() -> bool:
    """Whether this thread is running an invocation (it sees a function's environment)."""
    return getattr(_local, "environ", None) is not None


@contextmanager
def isolated(environ: Mapping[str, str], log: io.StringIO, request_id: str | None = None) -> Iterator[None]:
    """Run the body with ``environ`` as this thread's environment and ``log`` as its output
    (``print`` and the ``logging`` module alike); needs the views installed (``install()``)."""
    if not _installs:
        raise NotInstalled("per-invocation environment and output need isolation.install() first "
                           "(an executor installs it while it runs)")
    if not (type(sys.stdout) is ThreadStream and type(sys.stderr) is ThreadStream
            and type(os.environ) is ThreadEnviron):
        with _install_lock:
            if _installs:
                _put_views_in_place()
    _local.environ = dict(environ)
    _local.log = log
    _local.request_id = request_id
    try:
        yield
    finally:
        _local.environ = None
        _local.log = None
        _local.request_id = None
