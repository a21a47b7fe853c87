"""Step 1: record the order, check it, and price it (integer cents). Raises InvalidOrder."""

from __future__ import annotations

import os
from typing import Any

from aws_runtime import client
from order_store import InvalidOrder, cents, quantity, table


def _check(order: Any) -> dict[str, Any]:
    if not isinstance(order, dict) or not isinstance(order.get("items"), list) or not order["items"]:
        raise InvalidOrder("an order needs a non-empty 'items' list")
    card = str(order.get("card", ""))
    if not card.isdigit() or not 12 <= len(card) <= 19:
        raise InvalidOrder("'card' must be 12 to 19 digits")
    items = []
    for item in order["items"]:
        if not isinstance(item, dict) or not isinstance(item.get("sku"), str) or not item["sku"]:
            raise InvalidOrder("every item needs a 'sku'")
        items.append({"sku": item["sku"], "quantity": quantity(item), "priceCents": cents(item.get("price"))})
    return {"items": items, "card": card,
            "totalCents": sum(i["quantity"] * i["priceCents"] for i in items)}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order_id = event["orderId"]
    client("dynamodb").put_item(TableName=table("orders"), Item={
        "orderId": {"S": order_id}, "status": {"S": "RUNNING"}, "executionArn": {"S": event["executionArn"]}})
    checked = _check(event.get("order"))
    threshold = int(os.environ.get("APPROVAL_THRESHOLD_CENTS", "100000"))
    return {**checked, "orderId": order_id, "needsApproval": checked["totalCents"] >= threshold,
            "fulfilmentWaitSeconds": int(os.environ.get("FULFILMENT_WAIT_SECONDS", "3600")),
            "faults": (event.get("order") or {}).get("faults") or {}}
