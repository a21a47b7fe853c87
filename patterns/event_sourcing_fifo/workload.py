"""Event sourcing through SQS FIFO: a bank ledger, API Gateway -> SQS FIFO -> Lambda -> DynamoDB event store -> read model.

The workload (patterns/event_sourcing/workload.py, shared with event-sourcing-kinesis): 16
concurrent producers through API Gateway's SendMessage integration (a message group per account,
the transactionId as deduplication id), resent transactions, a poison message moved to the DLQ
after maxReceiveCount while its group waits, replay from the event store (a FIFO queue cannot be
re-read).
"""

from __future__ import annotations

from typing import Any, Callable

from infra.workload import Operation
from patterns.event_sourcing import workload as ledger
from patterns.event_sourcing.workload import NEED
from patterns.event_sourcing.transports import FIFO

outcome = ledger.outcome
summary_lines = ledger.summary_lines
invariants = ledger.invariants
OPERATION = Operation("event", need=NEED, differs="SQS FIFO: ordered per message group (account), deduplicated on transactionId for 5 minutes, not re-readable once consumed (replay from the event store only); a poison message goes to a DLQ while its group waits")


def run(cloud: Any, stack: Any, progress: Callable[[str], None] = lambda message: None, **options: Any) -> dict[str, Any]:
    return ledger.run(cloud, stack, FIFO, progress, **options)
