"""Event sourcing through Kinesis: a bank ledger, API Gateway -> Kinesis -> Lambda -> DynamoDB event store -> read model.

The workload (patterns/event_sourcing/workload.py, shared with event-sourcing-fifo): 16 concurrent
producers through API Gateway's PutRecord integration, resent transactions, a poison record
bisected out to the on-failure queue, replay from the event store and from the stream
(TRIM_HORIZON and AT_TIMESTAMP).
"""

from __future__ import annotations

from typing import Any, Callable

from infra.workload import Operation
from patterns.event_sourcing import workload as ledger
from patterns.event_sourcing.workload import NEED
from patterns.event_sourcing.transports import KINESIS

outcome = ledger.outcome
summary_lines = ledger.summary_lines
invariants = ledger.invariants
OPERATION = Operation("event", need=NEED, differs="Kinesis: ordered per shard (partition key = account), re-readable within retention, so the read model replays from the stream too; a poison record is bisected out to an on-failure queue while the shard goes on")


def run(cloud: Any, stack: Any, progress: Callable[[str], None] = lambda message: None, **options: Any) -> dict[str, Any]:
    return ledger.run(cloud, stack, KINESIS, progress, **options)
