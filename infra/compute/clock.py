"""One injectable clock. Visibility timeouts, retries, delays and Lambda timeouts read it.

``WallClock`` follows real time. ``VirtualClock`` only moves when ``advance`` is called, so tests
exercise a 30 s visibility timeout without waiting 30 s.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...

    def wait(self, event: threading.Event, timeout: float) -> bool:
        """Wait until ``event`` is set or ``timeout`` seconds pass; True if the event was set."""
        ...


class WallClock:
    virtual = False

    def now(self) -> float:
        return time.time()

    def wait(self, event: threading.Event, timeout: float) -> bool:
        return event.wait(timeout)


class VirtualClock:
    """Starts at the current wall time and moves only when advanced.

    ``wait`` ends at whichever comes first: the event, ``timeout`` of virtual time (a test
    advancing the clock past a Lambda's Timeout), or ``timeout`` of real time (a handler really
    busy for that long).
    """

    virtual = True

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds

    def wait(self, event: threading.Event, timeout: float) -> bool:
        virtual_deadline = self._now + timeout
        real_deadline = time.monotonic() + timeout
        while True:
            remaining = real_deadline - time.monotonic()
            # wakes at once when the event is set; checks the virtual deadline every 10 ms
            if event.wait(max(0.0, min(0.01, remaining))):
                return True
            if self._now >= virtual_deadline or time.monotonic() >= real_deadline:
                return event.is_set()
