"""Keeps the read model (balance and version per account) from the event store's DynamoDB Stream.

Each new event is applied once, in version order (ledger/projection.py); an event that fails holds
back its account's later events, reported as batch item failures, so the stream retries from it.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger

from aws import dynamodb
from ledger.batch import BatchResponse, in_order_per_key
from ledger.projection import ReadModel
from ledger.store import from_item

logger = Logger()


def handler(event: dict[str, Any], context: Any) -> BatchResponse:
    model = ReadModel(dynamodb(), os.environ["ACCOUNTS_TABLE"])
    inserts = [r for r in event.get("Records", []) if r.get("eventName") == "INSERT"]  # events are never changed

    def failed(record: dict[str, Any], exc: Exception) -> None:
        logger.error("event not projected", extra={"reason": str(exc), "error": type(exc).__name__})

    return in_order_per_key(inserts, lambda r: r["dynamodb"]["Keys"]["account"]["S"],
                            lambda r: r["dynamodb"]["SequenceNumber"],
                            lambda r: model.apply(from_item(r["dynamodb"]["NewImage"])), failed)
