"""Tumbling windows of a stream mapping (TumblingWindowInSeconds): windows are cut by record
arrival time; each invocation gets the window, the state the previous invocation of the window
returned, and ``isFinalInvokeForWindow``; a final invocation (no records) closes each window
once its end has passed and every record of it was delivered."""

from __future__ import annotations

import math
from typing import Any, Protocol, Sequence

from infra.compute.sources.failures import iso_time


class _Arrived(Protocol):
    arrival: float


class TumblingWindow:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start: float | None = None
        self.state: dict[str, Any] = {}

    @property
    def open(self) -> bool:
        return self.start is not None

    def window_of(self, arrival: float) -> float:
        return math.floor(arrival / self.seconds) * self.seconds

    def same_window(self, batch: list[Any]) -> list[Any]:
        """The leading records of the batch that share the first one's window."""
        if not batch:
            return batch
        first = self.window_of(batch[0].arrival)
        count = next((i for i, r in enumerate(batch) if self.window_of(r.arrival) != first), len(batch))
        return batch[:count]

    def final_due(self, pending: Sequence[_Arrived], now: float, last_read: float) -> bool:
        """The open window has ended, its records are all delivered (those read after its end
        belong to later windows)."""
        if self.start is None:
            return False
        end = self.start + self.seconds
        if now < end or last_read < end:
            return False
        return not pending or self.window_of(pending[0].arrival) != self.start

    def event_fields(self, batch: list[Any], final: bool, shard_id: str, source_arn: str) -> dict[str, Any]:
        if batch and self.window_of(batch[0].arrival) != self.start:
            self.start, self.state = self.window_of(batch[0].arrival), {}
        assert self.start is not None
        return {"window": {"start": iso_time(self.start), "end": iso_time(self.start + self.seconds)},
                "state": self.state, "shardId": shard_id, "eventSourceARN": source_arn,
                "isFinalInvokeForWindow": final, "isWindowTerminatedEarly": False}

    def carry(self, state: dict[str, Any] | None, final: bool) -> None:
        """The state a successful invocation returned goes to the next one; a final one closes."""
        if final:
            self.start, self.state = None, {}
        else:
            self.state = state or {}
