"""The meter: what the architecture consumed, counted as the calls happen.

One process-wide meter (``METER``) counts two things:

- ``requests``: every request that reached the target, by ``service:Operation`` (billed or not),
- ``metrics``: the billable quantities those requests and the compute plane produced, named as
  the price file names them (``sqs/requests``, ``dynamodb/write_units``, ``apigateway/rest_requests``…).

A snapshot is a ``Usage``; the difference of two snapshots is what happened in between, so a
caller measures one run by taking one before and one after (see ``infra.metering.measure``).
Work a harness does to *observe* a run (queue depths while draining, listing a bucket to check
the outputs) runs inside ``unmetered()`` and is left out: only the architecture at work counts.

The meter is process-wide: a measurement includes whatever else in this process made requests
meanwhile (compare runs one pattern at a time). It sees the requests answered by moto in this
process (the embedded target); on LocalStack or ``up``'s endpoint the requests are answered
elsewhere, and only what this process's compute plane does (Lambda) is metered.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

_unmetered: contextvars.ContextVar[bool] = contextvars.ContextVar("unmetered", default=False)


@contextlib.contextmanager
def unmetered() -> Iterator[None]:
    """Requests made on this thread inside the block are not counted (a harness observing a run)."""
    token = _unmetered.set(True)
    try:
        yield
    finally:
        _unmetered.reset(token)


def metering_paused() -> bool:
    return _unmetered.get()


@dataclass(frozen=True)
class FunctionUsage:
    """One function's invocations and billed GB-seconds (from the executor's totals)."""

    invocations: int = 0
    errors: int = 0
    gb_seconds: float = 0.0
    duration_ms: float = 0.0

    def __sub__(self, other: FunctionUsage) -> FunctionUsage:
        return FunctionUsage(self.invocations - other.invocations, self.errors - other.errors,
                             self.gb_seconds - other.gb_seconds, self.duration_ms - other.duration_ms)


@dataclass(frozen=True)
class Usage:
    """A reading of the meter (or the difference of two)."""

    requests: dict[str, int] = field(default_factory=dict)      # "sqs:SendMessage" -> count
    metrics: dict[str, float] = field(default_factory=dict)     # "sqs/requests" -> billable quantity
    functions: dict[str, FunctionUsage] = field(default_factory=dict)

    def __sub__(self, before: Usage) -> Usage:
        requests = {k: v - before.requests.get(k, 0) for k, v in self.requests.items()}
        metrics = {k: v - before.metrics.get(k, 0.0) for k, v in self.metrics.items()}
        functions = {k: v - before.functions.get(k, FunctionUsage()) for k, v in self.functions.items()}
        return Usage({k: v for k, v in requests.items() if v},
                     {k: v for k, v in metrics.items() if v},
                     {k: v for k, v in functions.items() if v.invocations})

    def with_metrics(self, extra: dict[str, float]) -> Usage:
        metrics = dict(self.metrics)
        for key, value in extra.items():
            metrics[key] = metrics.get(key, 0.0) + value
        return Usage(dict(self.requests), {k: v for k, v in metrics.items() if v}, dict(self.functions))


class Meter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._metrics: Counter[str] = Counter()

    def request(self, service: str, operation: str, metrics: dict[str, float] | None = None) -> None:
        """One request that reached the target, and the billable quantities it produced."""
        if metering_paused():
            return
        with self._lock:
            self._requests[f"{service}:{operation}"] += 1
            for name, amount in (metrics or {}).items():
                self._metrics[name] += amount

    def add(self, metric: str, amount: float = 1.0) -> None:
        """A billable quantity the compute plane produced (an API request served, a schedule fired)."""
        if metering_paused():
            return
        with self._lock:
            self._metrics[metric] += amount

    def snapshot(self, functions: dict[str, FunctionUsage] | None = None) -> Usage:
        with self._lock:
            return Usage(dict(self._requests), dict(self._metrics), dict(functions or {}))

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._metrics.clear()


METER = Meter()
