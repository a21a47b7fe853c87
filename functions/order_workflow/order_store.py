"""What the order saga's handlers share: table names, conditional-write failures, money in
integer cents (their AWS clients come from aws_runtime)."""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from typing import Any


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
