"""Ship the order once its fulfilment window has passed: a tracking id kept with the order."""

from __future__ import annotations

import uuid
from typing import Any

from aws_runtime import client
from order_store import table


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    tracking = f"TRK-{uuid.uuid4().hex[:10].upper()}"
    client("dynamodb").update_item(
        TableName=table("orders"), Key={"orderId": {"S": event["orderId"]}},
        UpdateExpression="SET trackingId = if_not_exists(trackingId, :t)",
        ExpressionAttributeValues={":t": {"S": tracking}})
    return {"trackingId": tracking}
