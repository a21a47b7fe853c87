"""The approval step's worker: keeps the task token with the order and marks it AWAITING_APPROVAL.
The execution waits (.waitForTaskToken) until POST /orders/{id}/approval answers with the token."""

from __future__ import annotations

from typing import Any

from aws_runtime import client
from order_store import table


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    client("dynamodb").update_item(
        TableName=table("orders"), Key={"orderId": {"S": event["orderId"]}},
        UpdateExpression="SET #s = :waiting, taskToken = :t", ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":waiting": {"S": "AWAITING_APPROVAL"}, ":t": {"S": event["token"]}})
    return {"waiting": True}
