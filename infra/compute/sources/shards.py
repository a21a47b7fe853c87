"""What Lambda does for a stream (Kinesis, DynamoDB Streams) mapping, shard by shard.

A ``StreamSource`` keeps one ``ShardPoller`` per shard. A poller reads its shard about once per
poll interval on the plane's clock (again at once while records keep coming) and delivers
batches of records *of that shard only*, in order:

- a batch is sent when it holds BatchSize records or when MaximumBatchingWindowInSeconds has
  passed since its first record was read;
- the checkpoint moves past a record only when the batch holding it succeeded (or was given
  up on): an error holds the shard, retrying the same batch after a back-off;
- BisectBatchOnFunctionError splits a failing batch in two (splits are not retries);
- ReportBatchItemFailures: the checkpoint stops before the lowest reported sequence number and
  the rest is retried; a malformed answer fails the whole batch;
- MaximumRetryAttempts / MaximumRecordAgeInSeconds (and the stream's retention) end the
  retries: the batch is skipped and its failure record (metadata only, AWS's shape, see
  ``failures.py``) goes to DestinationConfig.OnFailure;
- ParallelizationFactor: up to that many batches of one shard at a time, records split by
  partition key, order kept per key;
- TumblingWindowInSeconds: windows cut by arrival time; the state the function returns is
  handed to its next invocation in the window; a final invocation closes each window.

The source kind (kinesis.py, dynamodb.py) supplies the shard readers and the record shape.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Protocol

from infra.compute.sources import SourceContext
from infra.compute.sources.failures import BatchFailure, FailureOutcome, judge, send_failure_record
from infra.compute.faults.deliveries import throttled  # fault injection: a throttled invocation
from infra.compute.sources.stream_settings import ShardInfo, StreamMapping
from infra.compute.sources.windows import TumblingWindow

MAX_BATCH_BYTES = 6 * 1024 * 1024  # a batch is also sent when its payload reaches Lambda's 6 MB
MAX_RETRY_BACKOFF = 60.0  # seconds; a failing batch is retried after 1, 2, 4, ... up to this
READ_LIMIT = 10_000  # records per GetRecords, Lambda's largest batch


@dataclass
class StreamRecord:
    """One record read from a shard, with the Lambda event record built for it."""

    sequence: int
    arrival: float  # seconds since the epoch, on the plane's clock
    partition_key: str
    event: dict[str, Any]
    size: int = 0  # bytes the record adds to the invocation's payload


class ShardReader(Protocol):
    shard_id: str

    def read(self, limit: int) -> list[StreamRecord]:
        """The next records after the read position (moves it)."""
        ...

    def has_unread(self) -> bool:
        """Whether records past the read position exist (does not move it)."""
        ...


class Lane:
    """The records of one shard (or, with ParallelizationFactor, of its share of partition keys)
    waiting to be delivered in order, and the state of the batch at their head."""

    def __init__(self, window: TumblingWindow | None) -> None:
        self.pending: deque[StreamRecord] = deque()
        self.planned: list[int] = []  # sizes of the next batches after a bisection
        self.attempts = 0  # failed invocations of the head batch counted against MaximumRetryAttempts
        self.invocations = 0  # invocations of the head batch (failure record's approximateInvokeCount)
        self.retry_at: float | None = None
        self.window_opened: float | None = None  # when the head batch's first record was read
        self.last_error: str | None = None
        self.tumbling = window
        self.lock = threading.Lock()

    def reset_head(self) -> None:
        self.attempts = self.invocations = 0
        self.retry_at = None
        self.last_error = None


class ShardPoller:
    def __init__(self, source: "StreamSource", reader: ShardReader, info: ShardInfo) -> None:
        self.source = source
        self.reader = reader
        self.shard_id = reader.shard_id
        self.info = info
        self.lanes = self._new_lanes()
        self.next_read = source.ctx.now()
        self.last_read = float("-inf")
        self._read_lock = threading.Lock()

    # -- reading ---------------------------------------------------------------------------
    def _buffered(self) -> int:
        return sum(len(lane.pending) for lane in self.lanes)

    def _read_due(self) -> None:
        now = self.source.ctx.now()
        if now < self.next_read or not self._read_lock.acquire(blocking=False):
            return
        try:
            mapping = self.source.mapping
            room = max(mapping.batch_size * mapping.parallelization * 2, 1000) - self._buffered()
            records = self.reader.read(min(READ_LIMIT, room)) if room > 0 else []
            self.last_read = now
            # while records keep coming the poller reads again at once, else after its interval
            self.next_read = now if records else now + self.source.poll_interval
            for record in records:
                lane = self.lanes[self._lane_of(record)]
                with lane.lock:
                    if not lane.pending:
                        lane.window_opened = now
                    lane.pending.append(record)
        finally:
            self._read_lock.release()

    def _lane_of(self, record: StreamRecord) -> int:
        return lane_of(record.partition_key, len(self.lanes))

    # -- delivering ------------------------------------------------------------------------
    def poll_once(self) -> int:
        if not self.source.parents_done(self):
            return 0
        self._read_due()
        return sum(self.poll_lane(index, read=False) for index in range(len(self.lanes)))

    def poll_lane(self, index: int, read: bool = True) -> int:
        """Deliver the lane's head batch if it is due; returns the records handled."""
        if read:
            if not self.source.parents_done(self):
                return 0  # a child shard waits until its parents were read to their end
            self._read_due()
        lane = self.lanes[index]
        if not lane.lock.acquire(blocking=False):
            return 0  # another thread is delivering this lane
        try:
            handled = 0
            while True:
                done = self._step(lane)
                if done is None:
                    return handled
                handled += done
        finally:
            lane.lock.release()

    def _step(self, lane: Lane) -> int | None:
        """One delivery from the lane if one is due: records handled, or None if nothing was due."""
        now = self.source.ctx.now()
        mapping = self.source.mapping
        if lane.retry_at is not None and now < lane.retry_at:
            return None
        expired = self._expire(lane, now)
        if expired:
            return expired
        if lane.tumbling is not None and lane.tumbling.final_due(lane.pending, now, self.last_read):
            return self._deliver(lane, [], final=True)
        if not lane.pending:
            return None
        size = lane.planned[0] if lane.planned else mapping.batch_size
        batch, cut = _take(lane.pending, size)
        if lane.tumbling is not None:
            batch = lane.tumbling.same_window(batch)
        full = cut or len(batch) >= size or (lane.tumbling is not None and len(batch) < len(lane.pending))
        waited = lane.window_opened is not None and now >= lane.window_opened + mapping.batching_window
        if not (full or waited or lane.retry_at is not None or lane.planned):
            return None
        return self._deliver(lane, batch)

    def _expire(self, lane: Lane, now: float) -> int:
        """Records at the head older than MaximumRecordAgeInSeconds (or the stream's retention)
        are skipped, with a failure record."""
        limit = self.source.retention
        if self.source.mapping.max_record_age != -1:
            limit = min(limit, self.source.mapping.max_record_age)
        old = []
        while lane.pending and now - lane.pending[0].arrival > limit:
            old.append(lane.pending.popleft())
        if old:
            self.source.give_up(self.shard_id, old, "RecordAgeExceeded", lane.invocations, lane.last_error)
            lane.planned.clear()
            lane.reset_head()
            lane.window_opened = now if lane.pending else None
        return len(old)

    def _deliver(self, lane: Lane, batch: list[StreamRecord], final: bool = False) -> int:
        mapping = self.source.mapping
        event: dict[str, Any] = {"Records": [record.event for record in batch]}
        if lane.tumbling is not None:
            event.update(lane.tumbling.event_fields(batch, final, self.shard_id, mapping.source_arn))
        result = self.source.ctx.invoke(mapping.function_arn, event)
        if throttled(result):  # not a function error: no bisect, no retry attempt used; retried until the records expire
            lane.retry_at = self.source.ctx.now() + 1.0
            return 0
        lane.invocations += 1
        outcome: FailureOutcome = judge(result, [r.sequence for r in batch], mapping.report_batch_item_failures,
                                        lane.tumbling is not None)
        if outcome.failed_from is None:
            if lane.tumbling is not None:
                lane.tumbling.carry(outcome.state, final)
            self._done(lane, len(batch))
            return max(len(batch), 1)
        lane.last_error = outcome.error
        succeeded = outcome.failed_from
        if succeeded:
            if lane.tumbling is not None:
                lane.tumbling.carry(outcome.state, False)
            self._done(lane, succeeded, keep_head=True)
        rest = len(batch) - succeeded
        if mapping.bisect and succeeded:
            lane.planned[:1] = [rest]  # split at the reported record: not a retry
            lane.reset_head()
            return succeeded
        if mapping.bisect and rest > 1:
            lane.planned[:1] = [(rest + 1) // 2, rest // 2]  # halves: splits are not retries
            lane.reset_head()
            return succeeded
        lane.attempts += 1
        if mapping.max_retry_attempts != -1 and lane.attempts > mapping.max_retry_attempts:
            failed = [lane.pending.popleft() for _ in range(rest)]
            if failed:
                self.source.give_up(self.shard_id, failed, "RetryAttemptsExhausted", lane.invocations,
                                    lane.last_error)
            if final and lane.tumbling is not None:
                lane.tumbling.carry(None, True)  # the window closes without its final answer
            if lane.planned:
                lane.planned.pop(0)
            lane.reset_head()
            lane.window_opened = self.source.ctx.now() if lane.pending else None
            return succeeded + rest
        if not final:
            lane.planned[:1] = [rest]
        lane.retry_at = self.source.ctx.now() + min(2.0 ** (lane.attempts - 1), MAX_RETRY_BACKOFF)
        return succeeded

    def _done(self, lane: Lane, count: int, keep_head: bool = False) -> None:
        """The first ``count`` records succeeded: the checkpoint moves past them."""
        for _ in range(count):
            lane.pending.popleft()
        if not keep_head:
            if lane.planned:
                lane.planned.pop(0)
            lane.reset_head()
        lane.window_opened = self.source.ctx.now() if lane.pending else None

    # -- state -----------------------------------------------------------------------------
    def _new_lanes(self) -> list[Lane]:
        mapping = self.source.mapping
        return [Lane(TumblingWindow(mapping.tumbling_window) if mapping.tumbling_window else None)
                for _ in range(mapping.parallelization)]

    def relane(self) -> None:
        old = self.lanes
        with self._read_lock:
            for lane in old:
                lane.lock.acquire()  # a delivery in progress finishes first
            waiting = sorted((r for lane in old for r in lane.pending), key=lambda r: r.sequence)
            self.lanes = self._new_lanes()
            for lane in old:
                lane.lock.release()
            for record in waiting:
                lane = self.lanes[self._lane_of(record)]
                if not lane.pending:
                    lane.window_opened = self.source.ctx.now()
                lane.pending.append(record)

    def finished(self) -> bool:
        """A closed shard whose every record was handled."""
        return self.info.closed and self.in_flight() == 0

    def in_flight(self) -> int:
        """Records past the checkpoint: read and not yet handled, or not read yet; an open
        tumbling window waiting for its final invocation counts as one."""
        held = self._buffered() + sum(1 for lane in self.lanes if lane.tumbling is not None and lane.tumbling.open)
        if held:
            return held
        return 1 if self.reader.has_unread() else 0

    def next_deadline(self) -> float | None:
        deadlines = []
        for lane in self.lanes:
            if lane.retry_at is not None:
                deadlines.append(lane.retry_at)
            elif lane.pending and lane.window_opened is not None:
                deadlines.append(lane.window_opened + self.source.mapping.batching_window)
        return min(deadlines) if deadlines else None


def lane_of(partition_key: str, lanes: int) -> int:
    """Which of a shard's ParallelizationFactor lanes a partition key's records go through."""
    if lanes == 1:
        return 0
    digest = hashlib.md5(partition_key.encode()).digest()  # noqa: S324 - a spread, not security
    return int.from_bytes(digest[:8], "big") % lanes


def _take(records: deque[StreamRecord], count: int) -> tuple[list[StreamRecord], bool]:
    """Up to ``count`` records from the front, fewer when their payload would pass 6 MB; and
    whether the 6 MB limit cut the batch."""
    taken: list[StreamRecord] = []
    size = 0
    for record in records:
        if len(taken) == count:
            break
        if taken and size + record.size > MAX_BATCH_BYTES:
            return taken, True
        taken.append(record)
        size += record.size
    return taken, False


class StreamSource:
    """A stream mapping: one poller per shard (the kind says how to list and read shards)."""

    def __init__(self, mapping: StreamMapping, ctx: SourceContext, poll_interval: float, retention: float,
                 batch_info_key: str, shards: Callable[[], list[ShardInfo]],
                 open_reader: Callable[[str, bool], ShardReader]) -> None:
        self.mapping = mapping
        self.ctx = ctx
        self.uuid = mapping.uuid
        self.poll_interval = poll_interval
        self.retention = retention
        self.batch_info_key = batch_info_key
        self.failures: list[BatchFailure] = []  # every batch given up on (also sent to OnFailure)
        self._list_shards = shards
        self._open_reader = open_reader
        self.pollers: dict[str, ShardPoller] = {}
        self._next_listing = 0.0
        self._list_lock = threading.Lock()
        self._discover(initial=True)

    def _discover(self, initial: bool = False) -> None:
        """Shards appear (a split, a merge): new ones are read from their start, once their
        parents are done."""
        with self._list_lock:
            for info in self._list_shards():
                if info.shard_id in self.pollers:
                    self.pollers[info.shard_id].info = info
                else:
                    reader = self._open_reader(info.shard_id, initial)
                    self.pollers[info.shard_id] = ShardPoller(self, reader, info)
            self._next_listing = self.ctx.now() + 10 * self.poll_interval

    def parents_done(self, poller: ShardPoller) -> bool:
        """Lambda reads a child shard (of a split or merge) only after its parents' records."""
        return all(parent not in self.pollers or self.pollers[parent].finished() for parent in poller.info.parents)

    def poll_once(self) -> int:
        if self.ctx.now() >= self._next_listing:
            self._discover()
        return sum(poller.poll_once() for poller in list(self.pollers.values()))

    def in_flight(self) -> int:
        self._discover()  # records in a shard made since the last look count too
        return sum(poller.in_flight() for poller in list(self.pollers.values()))

    def next_deadline(self) -> float | None:
        deadlines = [d for d in (p.next_deadline() for p in list(self.pollers.values())) if d is not None]
        return min(deadlines) if deadlines else None

    def reconfigure(self, esm: dict[str, Any]) -> None:
        """New settings; with another ParallelizationFactor each shard's unhandled records are
        spread over the new lanes in their order (retry state starts afresh)."""
        old, self.mapping = self.mapping, StreamMapping.from_api(esm)
        if (old.parallelization, old.tumbling_window) != (self.mapping.parallelization, self.mapping.tumbling_window):
            for poller in list(self.pollers.values()):
                poller.relane()

    def workers(self) -> dict[str, Callable[[], int]]:
        """One worker per lane of every shard (ParallelizationFactor lanes per shard)."""
        if self.ctx.now() >= self._next_listing:
            self._discover()
        return {f"{shard_id}/{index}": partial(poller.poll_lane, index)
                for shard_id, poller in list(self.pollers.items()) for index in range(len(poller.lanes))}

    def give_up(self, shard_id: str, records: list[StreamRecord], condition: str, invocations: int,
                error: str | None) -> None:
        failure = BatchFailure(self.mapping.function_arn, condition, invocations, error, self.batch_info_key,
                               shard_id, self.mapping.source_arn,
                               [(r.sequence, r.arrival) for r in records], self.ctx.now())
        self.failures.append(failure)  # kept here whatever happens to the destination
        if self.mapping.on_failure:
            try:
                send_failure_record(self.ctx.clients, self.mapping.on_failure, failure.record())
            except Exception as exc:  # noqa: BLE001 - a missing destination must not stop the shard
                print(f"event source {self.uuid}: the failure record for {shard_id} could not be sent to "
                      f"{self.mapping.on_failure}: {exc}")
        else:
            print(f"event source {self.uuid}: {len(records)} record(s) of {shard_id} skipped ({condition}) "
                  f"with no OnFailure destination")

