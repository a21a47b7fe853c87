"""What the order saga's handlers share: clients built from the function's environment, table
names, money in integer cents."""

from __future__ import annotations

import os
import threading
from decimal import Decimal, InvalidOperation
from typing import Any

import boto3

_clients: dict[tuple[str, ...], Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    """One client per service and endpoint, kept warm between invocations; keyed by the credentials
    too, so functions sharing this module each sign with their own role."""
    key = (service, os.environ.get("AWS_ENDPOINT_URL", ""), os.environ.get("AWS_REGION", ""),
           os.environ.get("AWS_ACCESS_KEY_ID", ""))
    with _lock:
        if key not in _clients:
            _clients[key] = boto3.client(service)
        return _clients[key]


def table(name: str) -> str:
    return os.environ[f"{name.upper()}_TABLE"]


def conditional_failed(exc: Exception) -> bool:
    return getattr(exc, "response", {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class InvalidOrder(Exception):
    pass


def cents(price: Any) -> int:
    """A price as the client sends it (12.5, "12.50") in integer cents; InvalidOrder otherwise."""
    try:
        value = Decimal(str(price)) * 100
    except InvalidOperation as exc:
        raise InvalidOrder(f"price {price!r} is not a number") from exc
    if value <= 0 or value != value.to_integral_value():
        raise InvalidOrder(f"price {price!r} must be positive with at most two decimals")
    return int(value)


def quantity(item: Any) -> int:
    value = item.get("quantity") if isinstance(item, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidOrder("every item needs a positive integer 'quantity'")
    return value
