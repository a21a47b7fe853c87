"""Compensation: refund the order's charge if there is one (a declined card has none; a charge
whose answer was lost has one). Refunds once: the status moves CHARGED -> REFUNDED conditionally."""

from __future__ import annotations

from typing import Any

from aws_runtime import client
from order_store import conditional_failed, table


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        client("dynamodb").update_item(
            TableName=table("payments"), Key={"orderId": {"S": event["orderId"]}},
            ConditionExpression="#s = :charged", UpdateExpression="SET #s = :refunded",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":charged": {"S": "CHARGED"}, ":refunded": {"S": "REFUNDED"}})
    except Exception as exc:
        if not conditional_failed(exc):
            raise
        return {"refunded": False}
    return {"refunded": True}
