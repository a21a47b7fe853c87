"""Price a basket (the Express quote workflow's task): subtotal, tax, shipping, total, in cents."""

from __future__ import annotations

from typing import Any

from order_store import InvalidOrder, cents, quantity

TAX_RATE_PERCENT = 8
FREE_SHIPPING_FROM_CENTS = 5000
SHIPPING_CENTS = 499


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    items = event.get("items") if isinstance(event, dict) else None
    if not isinstance(items, list) or not items:
        raise InvalidOrder("a quote needs a non-empty 'items' list")
    subtotal = 0
    for item in items:
        subtotal += quantity(item) * cents(item.get("price"))
    tax = (subtotal * TAX_RATE_PERCENT + 50) // 100
    shipping = 0 if subtotal >= FREE_SHIPPING_FROM_CENTS else SHIPPING_CENTS
    total = subtotal + tax + shipping
    return {"subtotalCents": subtotal, "taxCents": tax, "shippingCents": shipping, "totalCents": total,
            "total": f"{total // 100}.{total % 100:02d}", "currency": "USD"}
