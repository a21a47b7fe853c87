"""Fault injection for the concurrency tests, by dependency injection (each client thread gets its
own namespace over a ``FaultyClient``): an owner that pauses right before its commit until its
lease expired and a successor took the object, or one that crashes there (every later call of
that request fails, so it never releases its lease)."""

from __future__ import annotations

import threading
from typing import Any

COMMIT_CALLS = ("transact_write_items", "update_item")


class Crash(BaseException):
    """The owner's process died."""


class Controller:
    """Shared by the faulty clients and the test's clock driver."""

    def __init__(self, clock: Any, lease_seconds: float) -> None:
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.lock = threading.Lock()
        self.acquisitions = 0
        self.paused: list[tuple[int, threading.Event]] = []  # (acquisitions when paused, resume)
        self.crashes_pending = 0
        self.pauses = 0
        self.crashes = 0

    def drive(self) -> None:
        """One step of the test's clock driver: expire leases held by paused or crashed owners, and
        resume paused owners once another request has acquired the object since they paused."""
        with self.lock:
            stuck = bool(self.paused) or self.crashes_pending > 0
            for entry in list(self.paused):
                if self.acquisitions > entry[0]:
                    self.paused.remove(entry)
                    entry[1].set()
            self.crashes_pending = 0
        if stuck:
            self.clock.advance(self.lease_seconds + 0.5)


class FaultyClient:
    def __init__(self, client: Any, controller: Controller) -> None:
        self._client = client
        self._controller = controller
        self.exceptions = client.exceptions
        self.fault: str | None = None  # "pause" or "crash" for the next commit
        self.crashed = False

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(**kwargs: Any) -> Any:
            if self.crashed:
                raise Crash("the owner is gone")
            is_acquire = name == "update_item" and "attribute_not_exists(o)" in kwargs.get("ConditionExpression", "")
            if self.fault and name in COMMIT_CALLS and not is_acquire:
                fault, self.fault = self.fault, None
                if fault == "crash":
                    self.crashed = True
                    with self._controller.lock:
                        self._controller.crashes += 1
                        self._controller.crashes_pending += 1
                    raise Crash("the owner crashed before its commit")
                resume = threading.Event()
                with self._controller.lock:
                    self._controller.pauses += 1
                    self._controller.paused.append((self._controller.acquisitions, resume))
                if not resume.wait(30):  # a test that never resumes its owner fails instead of passing late
                    raise RuntimeError("the paused owner was never resumed")
            response = method(**kwargs)
            if is_acquire:
                with self._controller.lock:
                    self._controller.acquisitions += 1
            return response

        return call
