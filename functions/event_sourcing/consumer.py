"""Turns each transaction command into an event in the event store — the same code behind both
transports (a Kinesis stream's batches, an SQS FIFO queue's batches).

A batch's commands are grouped by account, in order, and each account's are appended together
(one head read and one transaction: ledger/store.py). If that fails, the account's records are
reported as batch item failures and retried; other accounts go on. A poison record (no command:
it can never succeed) is reported alone and holds nothing back: Kinesis checkpoints before it,
bisects, retries it and sends its failure record to the on-failure destination; SQS FIFO keeps
its group waiting until it moves to the DLQ after maxReceiveCount. Nothing is lost.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from aws_lambda_powertools import Logger

from aws_runtime import client
from ledger.batch import BatchResponse, Record, by_key
from ledger.commands import Received, item_id, received
from ledger.errors import PoisonCommand
from ledger.store import EventStore

logger = Logger()


def handler(event: dict[str, Any], context: Any) -> BatchResponse:
    store = EventStore(client("dynamodb"), os.environ["EVENTS_TABLE"], os.environ["TRANSACTIONS_TABLE"])
    records = event.get("Records", [])
    commands: dict[str, Received] = {}
    poison: list[str] = []
    for record in records:
        try:
            commands[item_id(record)] = received(record)
        except PoisonCommand as exc:
            logger.error("record is no command", extra={"item": item_id(record), "reason": str(exc)})
            poison.append(item_id(record))
    outcomes: Counter[str] = Counter()

    def append(group: list[Record]) -> None:
        got = [commands[item_id(record)] for record in group]
        outcomes.update(store.append_all([(g.command, g.accepted_at) for g in got]))

    def failed(group: list[Record], exc: Exception) -> None:
        logger.error("account's records failed: retried", extra={
            "account": commands[item_id(group[0])].command["account"], "records": len(group),
            "reason": str(exc), "error": type(exc).__name__})

    valid = [record for record in records if item_id(record) in commands]
    response = by_key(valid, lambda r: commands[item_id(r)].command["account"], item_id, append, failed, poison)
    logger.info("batch recorded", extra={"records": len(records), **outcomes,
                                         "retried": len(response["batchItemFailures"])})
    return response
