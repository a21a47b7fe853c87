"""Keeps the read model (balance and version per account) from the event store's DynamoDB Stream.

A batch's new events are grouped by account and each account's are applied in one update, once
and in version order (ledger/projection.py); if that fails, the account's records are reported as
batch item failures, so the stream retries from them.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger

from aws_runtime import client
from ledger.batch import BatchResponse, Record, by_key
from ledger.projection import ReadModel
from ledger.store import from_item

logger = Logger()


def handler(event: dict[str, Any], context: Any) -> BatchResponse:
    model = ReadModel(client("dynamodb"), os.environ["ACCOUNTS_TABLE"])
    inserts = [r for r in event.get("Records", []) if r.get("eventName") == "INSERT"]  # events are never changed

    def project(group: list[Record]) -> None:
        model.apply_all([from_item(record["dynamodb"]["NewImage"]) for record in group])

    def failed(group: list[Record], exc: Exception) -> None:
        logger.error("events not projected: retried", extra={"records": len(group), "reason": str(exc),
                                                             "error": type(exc).__name__})

    return by_key(inserts, lambda r: r["dynamodb"]["Keys"]["account"]["S"], lambda r: r["dynamodb"]["SequenceNumber"],
                  project, failed)
