"""Tumbling windows of a stream mapping (TumblingWindowInSeconds): windows are cut by record
arrival time; each invocation gets the window, the state the previous invocation of the window
returned, and ``isFinalInvokeForWindow``; a final invocation (no records) closes each window
once its end has passed and every record of it was delivered. A state over 1 MB ends its window
early: the final invocation comes next, with ``isWindowTerminatedEarly``."""

from __future__ import annotations

import json
import math
from typing import Any, Protocol, Sequence

from infra.compute.sources.failures import iso_time


MAX_STATE_BYTES = 1024 * 1024


class _Arrived(Protocol):
    arrival: float


class TumblingWindow:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start: float | None = None
        self.state: dict[str, Any] = {}
        self.terminated_early = False

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
        if self.terminated_early:
            return True
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
                "isFinalInvokeForWindow": final, "isWindowTerminatedEarly": final and self.terminated_early}

    def carry(self, state: dict[str, Any] | None, final: bool) -> None:
        """The state a successful invocation returned goes to the next one; a final one closes."""
        if final:
            self.start, self.state, self.terminated_early = None, {}, False
        else:
            self.state = state or {}
            self.terminated_early = len(json.dumps(self.state)) > MAX_STATE_BYTES
