"""The Task state of the workflow API Gateway starts: prices the request the Pass state accepted."""

from __future__ import annotations

from typing import Any

PRICES = {"standard": 5, "express": 15}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event.get("request") or {}
    speed = request.get("speed", "standard")
    if speed not in PRICES:
        raise ValueError(f"unknown speed '{speed}': choose one of {', '.join(PRICES)}")
    items = int(request.get("items", 1))
    return {"accepted": bool(event.get("accepted")), "speed": speed, "items": items, "price": PRICES[speed] * items}
