"""Batch handling with order per key: a record that fails holds back every later record of its
key (account) in the batch, and all of them are reported as batch item failures; records of other
keys go on. Kinesis retries from the lowest reported sequence number (what comes again is
deduplicated by the event store), SQS FIFO keeps only the failed group waiting.

A failure that can never succeed (``holds`` says False: a poison record that is no command) is
reported alone and does not hold its key back: it will never become an event, so nothing can be
out of order with it, and the records behind it in the batch are not retried — on SQS FIFO they
would otherwise share its receive count and follow it into the DLQ."""

from __future__ import annotations

from typing import Any, Callable, TypedDict


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    batchItemFailures: list[BatchItemFailure]


def in_order_per_key(records: list[dict[str, Any]], key: Callable[[dict[str, Any]], str],
                     item: Callable[[dict[str, Any]], str], handle: Callable[[dict[str, Any]], Any],
                     failed: Callable[[dict[str, Any], Exception], None],
                     holds: Callable[[Exception], bool] = lambda exc: True) -> BatchResponse:
    held: set[str] = set()
    failures: list[BatchItemFailure] = []
    for record in records:
        record_key = key(record)
        if record_key not in held:
            try:
                handle(record)
                continue
            except Exception as exc:  # noqa: BLE001 - reported: the record and its key's later ones are retried
                failed(record, exc)
                if holds(exc):
                    held.add(record_key)
        failures.append({"itemIdentifier": item(record)})
    return {"batchItemFailures": failures}
