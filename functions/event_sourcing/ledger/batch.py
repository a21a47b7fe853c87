"""Batch handling by key: a batch's records are grouped by account (in their order) and each
account's records are handled together; when that fails, all of them are reported as batch item
failures and the other accounts go on. Kinesis retries from the lowest reported sequence number
(what was already applied comes again and is deduplicated by the event store), SQS FIFO keeps only
the failed account's group waiting. Order per account is kept either way."""

from __future__ import annotations

from typing import Any, Callable, TypedDict


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    batchItemFailures: list[BatchItemFailure]


Record = dict[str, Any]


def by_key(records: list[Record], key: Callable[[Record], str], item: Callable[[Record], str],
           handle: Callable[[list[Record]], Any], failed: Callable[[list[Record], Exception], None],
           failures: list[str] | None = None) -> BatchResponse:
    """``handle(records of one key)`` for every key; ``failures``: items already failed (kept)."""
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(key(record), []).append(record)
    failed_items = list(failures or [])
    for group in groups.values():
        try:
            handle(group)
        except Exception as exc:  # noqa: BLE001 - reported: the key's records are retried
            failed(group, exc)
            failed_items += [item(record) for record in group]
    return {"batchItemFailures": [{"itemIdentifier": identifier} for identifier in failed_items]}
