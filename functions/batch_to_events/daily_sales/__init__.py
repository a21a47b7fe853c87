"""Totalling a day's sales per store from order records: what the three ways share.

An order is ``{"order_id", "store", "amount_cents", "at"}`` (``at``: seconds since the epoch, UTC);
it counts on the day of ``at``. An order that is not well formed (no store, a non-integer or
negative amount, no time) is rejected the same way by all three, and recorded, never dropped in
silence. Totals live in one table, keyed ``way`` (batch / windows / events) and ``key``
(``DAY#STORE``), so the three results can be compared; each way also writes what it has done
(a run, a closed window, an applied order) under its own ``way`` so a reader knows what is in
the totals.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import boto3

WAYS = ("batch", "windows", "events")


@dataclass(frozen=True)
class Order:
    order_id: str
    store: str
    amount_cents: int
    at: float

    @property
    def day(self) -> str:
        return day_of(self.at)


class RejectedOrder(ValueError):
    """An order record that is not well formed."""


def day_of(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d")


def parse_order(record: dict[str, Any]) -> Order:
    """An order from a plain dict (a Kinesis record's JSON, a DynamoDB item deserialized)."""
    try:
        order_id, store = record["order_id"], record["store"]
        amount, at = record["amount_cents"], record["at"]
    except (KeyError, TypeError) as exc:
        raise RejectedOrder(f"missing field {exc}") from exc
    if not isinstance(order_id, str) or not order_id or not isinstance(store, str) or not store:
        raise RejectedOrder("order_id and store must be non-empty strings")
    if isinstance(amount, bool) or not isinstance(amount, (int, Decimal)) or amount != int(amount) or amount < 0:
        raise RejectedOrder(f"amount_cents must be a whole number of cents >= 0, got {amount!r}")
    if isinstance(at, bool) or not isinstance(at, (int, float, Decimal)):
        raise RejectedOrder(f"at must be a time in seconds, got {at!r}")
    return Order(order_id, store, int(amount), float(at))


def totals_table() -> Any:
    return boto3.resource("dynamodb").Table(os.environ["TOTALS_TABLE"])


def orders_table() -> Any:
    return boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def add_to_totals(way: str, sums: dict[tuple[str, str], tuple[int, int]]) -> list[dict[str, Any]]:
    """TransactWriteItems entries adding (cents, orders) to each (day, store) total of a way."""
    return [{"Update": {"TableName": os.environ["TOTALS_TABLE"], "Key": {"way": {"S": way}, "key": {"S": f"{day}#{store}"}},
                        "UpdateExpression": "ADD total_cents :cents, orders :orders",
                        "ExpressionAttributeValues": {":cents": {"N": str(cents)}, ":orders": {"N": str(count)}}}}
            for (day, store), (cents, count) in sorted(sums.items())]


def record_once(way: str, key: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """A TransactWriteItems Put of a marker item that fails if it exists (what makes a retry harmless)."""
    item = {"way": {"S": way}, "key": {"S": key}}
    for name, value in attributes.items():
        item[name] = {"N": str(value)} if isinstance(value, (int, float)) else {"S": str(value)}
    return {"Put": {"TableName": os.environ["TOTALS_TABLE"], "Item": item,
                    "ConditionExpression": "attribute_not_exists(#w)", "ExpressionAttributeNames": {"#w": "way"}}}


def already_done(error: Exception) -> bool:
    """A transaction refused because its marker exists: the work was done before (a retry)."""
    response = getattr(error, "response", {})
    if response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = response.get("CancellationReasons") or []
    return bool(reasons) and reasons[0].get("Code") == "ConditionalCheckFailed"
