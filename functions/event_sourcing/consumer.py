"""Turns each transaction command into an event in the event store — the same code behind both
transports (a Kinesis stream's batches, an SQS FIFO queue's batches).

Records are handled in order. One that fails transiently holds back the later records of its
account, and they are reported as batch item failures (ledger/batch.py); a poison record (no
command: it can never succeed) is reported alone. Kinesis checkpoints before the lowest one and
retries from there (bisecting, then sending the poison's failure record to the on-failure
destination); SQS FIFO keeps the account's group waiting until the poison message moves to the
DLQ after maxReceiveCount. Order per account is never broken; nothing is lost.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from aws_lambda_powertools import Logger

from aws import dynamodb
from ledger.batch import BatchResponse, in_order_per_key
from ledger.commands import account_of, item_id, received
from ledger.errors import PoisonCommand
from ledger.store import EventStore

logger = Logger()


def handler(event: dict[str, Any], context: Any) -> BatchResponse:
    store = EventStore(dynamodb(), os.environ["EVENTS_TABLE"], os.environ["TRANSACTIONS_TABLE"])
    records = event.get("Records", [])
    outcomes: Counter[str] = Counter()

    def append(record: dict[str, Any]) -> None:
        got = received(record)
        outcomes[store.append(got.command, got.accepted_at)] += 1

    def failed(record: dict[str, Any], exc: Exception) -> None:
        logger.error("record failed" if isinstance(exc, PoisonCommand) else
                     "record failed: it and its account's later records are retried",
                     extra={"item": item_id(record), "account": account_of(record), "reason": str(exc),
                            "error": type(exc).__name__})

    response = in_order_per_key(records, account_of, item_id, append, failed,
                                holds=lambda exc: not isinstance(exc, PoisonCommand))
    logger.info("batch recorded", extra={"records": len(records), **outcomes,
                                         "retried": len(response["batchItemFailures"])})
    return response
