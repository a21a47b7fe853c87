"""DynamoDB's read and write request units, computed from item sizes as DynamoDB computes them.

moto answers ``ReturnConsumedCapacity`` with constants (0.5 for any call, nothing for a
transaction), so units are counted from the items each request read or wrote, by the on-demand
rules (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):

- a read costs one unit per 4 KB read, strongly consistent; half that eventually consistent; twice
  that in a transaction. Query and Scan add up the items they return, then round up once;
- a write costs one unit per 1 KB of the larger of the item before and after it; twice that in a
  transaction; a refused conditional write still costs its units; a delete costs the deleted item.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

READ_BLOCK = 4096
WRITE_BLOCK = 1024

# (table name, attributes incl. the key) -> the stored item's size in bytes, or None
StoredSize = Callable[[str, dict[str, Any]], "int | None"]


def value_size(value: dict[str, Any]) -> int:
    """Bytes of one attribute value in DynamoDB's wire form ({"S": ...}, {"N": ...}, {"M": ...}...)."""
    kind, data = next(iter(value.items()))
    if kind == "S":
        return len(data.encode("utf-8"))
    if kind == "N":
        return number_size(data)
    if kind == "B":
        return len(base64.b64decode(data)) if isinstance(data, str) else len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(item.encode("utf-8")) for item in data)
    if kind == "NS":
        return sum(number_size(item) for item in data)
    if kind == "BS":
        return sum(len(base64.b64decode(item)) if isinstance(item, str) else len(item) for item in data)
    if kind == "L":
        return 3 + sum(1 + value_size(item) for item in data)
    if kind == "M":
        return 3 + sum(1 + len(name.encode("utf-8")) + value_size(item) for name, item in data.items())
    raise ValueError(f"not a DynamoDB attribute value: {value!r}")


def number_size(text: str) -> int:
    """A number takes one byte per two significant digits, plus one."""
    try:
        digits = Decimal(text).normalize().as_tuple().digits
    except InvalidOperation:
        digits = tuple(text)
    return (len(digits) + 1) // 2 + 1


def item_size(item: dict[str, Any] | None) -> int:
    """Bytes of an item: its attribute names and values."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in (item or {}).items())


def read_units(size: int, consistent: bool = False, transactional: bool = False) -> float:
    blocks = max(1, math.ceil(size / READ_BLOCK))
    return blocks * (2.0 if transactional else 1.0 if consistent else 0.5)


def write_units(size: int, transactional: bool = False) -> float:
    return max(1, math.ceil(size / WRITE_BLOCK)) * (2.0 if transactional else 1.0)


@dataclass(frozen=True)
class Write:
    """One item a write request touches: its table, its attributes as sent (at least the key)."""

    table: str
    attributes: dict[str, Any]
    new_size: int = 0  # bytes of the item the request sends (PutItem); 0 when not sent
    transactional: bool = False


def writes_of(operation: str, body: dict[str, Any]) -> list[Write]:
    """The items a write request touches."""
    if operation == "PutItem":
        return [Write(body["TableName"], body["Item"], item_size(body["Item"]))]
    if operation in ("UpdateItem", "DeleteItem"):
        return [Write(body["TableName"], body["Key"])]
    if operation == "BatchWriteItem":
        found = []
        for table, requests in body.get("RequestItems", {}).items():
            for request in requests:
                if "PutRequest" in request:
                    item = request["PutRequest"]["Item"]
                    found.append(Write(table, item, item_size(item)))
                elif "DeleteRequest" in request:
                    found.append(Write(table, request["DeleteRequest"]["Key"]))
        return found
    if operation == "TransactWriteItems":
        found = []
        for entry in body.get("TransactItems", []):
            kind, op = next(iter(entry.items()))
            attributes = op.get("Item") or op.get("Key") or {}
            found.append(Write(op["TableName"], attributes, item_size(op.get("Item")) if kind == "Put" else 0,
                               transactional=True))
        return found
    return []


def write_request_units(writes: list[Write], before: list[int | None], after: list[int | None]) -> float:
    """Units of a write request from the sizes of its items before and after it ran."""
    return sum(write_units(max(w.new_size, b or 0, a or 0), w.transactional)
               for w, b, a in zip(writes, before, after))


def read_request_units(operation: str, body: dict[str, Any], answer: dict[str, Any]) -> float:
    """Units of a read request, from the items it answered with."""
    if operation == "GetItem":
        return read_units(item_size(answer.get("Item")), bool(body.get("ConsistentRead")))
    if operation in ("Query", "Scan"):
        total = sum(item_size(item) for item in answer.get("Items", []))
        return read_units(total, bool(body.get("ConsistentRead")))
    if operation == "BatchGetItem":
        units = 0.0
        for table, items in answer.get("Responses", {}).items():
            consistent = bool(body.get("RequestItems", {}).get(table, {}).get("ConsistentRead"))
            units += sum(read_units(item_size(item), consistent) for item in items)
        return units
    if operation == "TransactGetItems":
        return sum(read_units(item_size(entry.get("Item")), transactional=True)
                   for entry in answer.get("Responses", []))
    return 0.0


READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
