"""Where moto's Step Functions interpreter waits, on the compute plane's clock.

moto's interpreter (a port of LocalStack's) runs an execution on threads and waits with
``threading.Event.wait(seconds)`` (Wait states, task TimeoutSeconds, heartbeats, task tokens) and
``time.sleep`` (Retry intervals). The hooks (``hooks.py``) give its modules the classes below
instead, which

- wait off the active compute plane's clock (``infra.compute.active.clock``): on a
  ``VirtualClock`` an hour's Wait ends as soon as the clock is advanced past it, on the wall clock
  it is real time;
- record, per execution, which of its threads are parked and until when, so the plane knows
  whether an execution is still working, waiting for a due time it can advance to, or waiting
  for someone outside (a task token) — see ``Parking``.

Each wait has a kind, given by the module that waits:
- ``timer``: a Wait state or a Retry interval; due at its deadline, the plane advances to it;
- ``watchdog``: a task's TimeoutSeconds; due only while no thread of the execution waits for
  someone outside (otherwise the plane would time out every callback task it drains);
- ``external``: a task token or a heartbeat: the execution waits for SendTask*; a deadline here is
  reached only when someone advances the clock (like EventBridge schedules);
- ``children``: waiting for its own Map/Parallel/task threads, no deadline of its own.
"""

from __future__ import annotations

import threading
import time as _time
from dataclasses import dataclass, field
from typing import Any, Callable

from infra.compute import active
from infra.compute.clock import Clock, WallClock

_local = threading.local()
_wall = WallClock()
_POLL = 0.05  # real seconds between looks at a virtual clock nobody told us has moved


def clock() -> Clock:
    return active.clock() or _wall


def current_owner() -> str | None:
    """The execution the running thread works for (its ARN), if any."""
    return getattr(_local, "owner", None)


@dataclass
class _Execution:
    threads: set[int] = field(default_factory=set)
    parked: dict[int, tuple[str, float | None]] = field(default_factory=dict)  # thread -> (kind, deadline)


class Parking:
    """Per execution: its live interpreter threads and where each one is parked."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._executions: dict[str, _Execution] = {}

    # -- bookkeeping (called from the shims) -------------------------------------------------
    def enter(self, owner: str) -> None:
        with self._lock:
            self._executions.setdefault(owner, _Execution()).threads.add(threading.get_ident())

    def leave(self, owner: str) -> None:
        with self._lock:
            ex = self._executions.get(owner)
            if ex is not None:
                ex.threads.discard(threading.get_ident())
                ex.parked.pop(threading.get_ident(), None)
                if not ex.threads:
                    del self._executions[owner]
            self._lock.notify_all()

    def park(self, owner: str, kind: str, deadline: float | None) -> None:
        with self._lock:
            ex = self._executions.get(owner)
            if ex is not None:
                ex.parked[threading.get_ident()] = (kind, deadline)
            self._lock.notify_all()

    def unpark(self, owner: str, thread: int | None = None) -> None:
        """``thread`` (default: this one) is at work again, or about to be (its event was set)."""
        with self._lock:
            ex = self._executions.get(owner)
            if ex is not None:
                ex.parked.pop(threading.get_ident() if thread is None else thread, None)

    def nudge(self) -> None:
        """The clock moved or an event was set: parked threads look again at once."""
        with self._lock:
            self._lock.notify_all()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._lock.wait(seconds)

    # -- what the plane asks ----------------------------------------------------------------
    def _due(self, ex: _Execution) -> float | None:
        kinds = [kind for kind, _ in ex.parked.values()]
        deadlines = [d for kind, d in ex.parked.values() if d is not None
                     and (kind == "timer" or (kind == "watchdog" and "external" not in kinds))]
        return min(deadlines) if deadlines else None

    def _busy(self, ex: _Execution) -> bool:
        """A thread not parked, or parked past its deadline (it is waking up), is at work."""
        now = clock().now()
        asleep = sum(1 for _, deadline in ex.parked.values() if deadline is None or deadline > now)
        return asleep < len(ex.threads)

    def in_flight(self, owner: str | None = None) -> int:
        """Executions still working or waiting for a due time (not those waiting for a task token)."""
        with self._lock:
            return sum(1 for arn, ex in self._executions.items() if (owner is None or arn == owner)
                       and (self._busy(ex) or self._due(ex) is not None))

    def waiting_for_callback(self, owner: str) -> bool:
        with self._lock:
            ex = self._executions.get(owner)
            return ex is not None and any(kind == "external" for kind, _ in ex.parked.values())

    def next_due(self, owner: str | None = None) -> float | None:
        """The earliest time at which a parked execution goes on by itself."""
        with self._lock:
            dues = [self._due(ex) for arn, ex in self._executions.items() if owner is None or arn == owner]
            dues = [d for d in dues if d is not None]
            return min(dues) if dues else None

    def wait_quiet(self, timeout: float, owner: str | None = None) -> bool:
        """Wait (real time) until no execution has a thread at work: all are parked or done."""
        end = _time.monotonic() + timeout
        with self._lock:
            while any(self._busy(ex) for arn, ex in self._executions.items() if owner is None or arn == owner):
                remaining = end - _time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(min(remaining, _POLL))
            return True


PARKING = Parking()


def _parked_wait(kind: str, is_done: Callable[[], bool], real_wait: Callable[[float | None], bool],
                 timeout: float | None, waiters: set[tuple[str, int]] | None = None) -> bool:
    """Wait until ``is_done`` or ``timeout`` seconds of the clock pass; parks the execution meanwhile.
    ``waiters`` collects who waits, so whoever ends the wait can mark them at work at once."""
    owner = current_owner()
    clk = clock()
    deadline = None if timeout is None else clk.now() + max(0.0, timeout)
    me = (owner, threading.get_ident()) if owner is not None else None
    if me is not None:
        PARKING.park(me[0], kind, deadline)
        if waiters is not None:
            waiters.add(me)
    try:
        if not getattr(clk, "virtual", False):
            return real_wait(timeout)
        while not is_done():
            if deadline is not None and clk.now() >= deadline:
                return is_done()
            PARKING.sleep(_POLL)
        return True
    finally:
        if me is not None:
            if waiters is not None:
                waiters.discard(me)
            PARKING.unpark(me[0])


def _wake(waiters: set[tuple[str, int]]) -> None:
    for owner, thread in list(waiters):
        PARKING.unpark(owner, thread)
    PARKING.nudge()


def event_class(kind: str) -> type[threading.Event]:
    class ClockEvent(threading.Event):
        def __init__(self) -> None:
            super().__init__()
            self._waiters: set[tuple[str, int]] = set()
            self._sets = 0  # moto sets and clears at once to interrupt waiters: count the sets

        def wait(self, timeout: float | None = None) -> bool:
            sets = self._sets
            return _parked_wait(kind, lambda: self.is_set() or self._sets != sets, super().wait, timeout,
                                self._waiters)

        def set(self) -> None:
            _wake(self._waiters)
            self._sets += 1
            super().set()

    ClockEvent.__qualname__ = ClockEvent.__name__ = f"ClockEvent[{kind}]"
    return ClockEvent


class ClockCondition(threading.Condition):
    """A Condition whose waits count as parked (the interpreter's count-down latch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiters_parked: set[tuple[str, int]] = set()

    def wait(self, timeout: float | None = None) -> bool:
        owner = current_owner()
        me = (owner, threading.get_ident())
        if owner is not None:
            PARKING.park(owner, "children", None)
            self._waiters_parked.add(me)
        try:
            return super().wait(timeout)
        finally:
            if owner is not None:
                self._waiters_parked.discard(me)
                PARKING.unpark(owner)

    def notify_all(self) -> None:
        _wake(self._waiters_parked)
        super().notify_all()


class ClockThread(threading.Thread):
    """A thread that works for the execution of the thread that created it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sfn_owner = current_owner()
        self._joiners: set[tuple[str, int]] = set()

    def run(self) -> None:
        try:
            run_as(self._sfn_owner, super().run, lambda: _wake(self._joiners))
        finally:
            _wake(self._joiners)

    def join(self, timeout: float | None = None) -> None:
        """Joining a state machine's program thread with its TimeoutSeconds waits on the clock."""
        def real_join(seconds: float | None) -> bool:
            super(ClockThread, self).join(seconds)
            return not self.is_alive()

        _parked_wait("watchdog" if timeout is not None else "children", lambda: not self.is_alive(),
                     real_join, timeout, self._joiners)


def run_as(owner: str | None, work: Callable[[], Any], before_leaving: Callable[[], None] | None = None) -> Any:
    """Run ``work`` on this thread as one of ``owner``'s interpreter threads."""
    previous = current_owner()
    _local.owner = owner
    if owner is not None:
        PARKING.enter(owner)
    try:
        return work()
    finally:
        if before_leaving is not None:
            before_leaving()  # whoever joins this thread is at work before it is gone
        if owner is not None:
            PARKING.leave(owner)
        _local.owner = previous


class owning:
    """``with owning(arn):`` threads created inside work for that execution."""

    def __init__(self, owner: str) -> None:
        self.owner = owner

    def __enter__(self) -> None:
        self._previous = current_owner()
        _local.owner = self.owner

    def __exit__(self, *exc: object) -> None:
        _local.owner = self._previous


class ClockTime:
    """``time`` for the interpreter: ``sleep`` parks as a timer, ``time`` reads the clock."""

    def __init__(self, kind: str = "timer") -> None:
        self._kind = kind

    def sleep(self, seconds: float) -> None:
        done = threading.Event()
        _parked_wait(self._kind, done.is_set, lambda t: done.wait(t), seconds)

    def time(self) -> float:
        return clock().now()

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)


class ClockThreading:
    """``threading`` for one interpreter module: its Events wait as ``kind``."""

    def __init__(self, kind: str) -> None:
        self.Event = event_class(kind)
        self.Thread = ClockThread
        self.Condition = ClockCondition

    def __getattr__(self, name: str) -> Any:
        return getattr(threading, name)
