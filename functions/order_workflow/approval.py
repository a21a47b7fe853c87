"""POST /orders/{id}/approval {"approved": true|false}: answers the waiting approval step with
its task token. 409 when the order is not waiting for approval (answered already, or never)."""

from __future__ import annotations

import json
from typing import Any

from aws_runtime import client
from order_store import conditional_failed, table


def _answer(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order_id = (event.get("pathParameters") or {}).get("id", "")
    try:
        approved = json.loads(event.get("body") or "")["approved"]
    except (ValueError, KeyError, TypeError):
        approved = None
    if not isinstance(approved, bool):
        return _answer(400, {"message": 'send {"approved": true} or {"approved": false}'})
    dynamodb = client("dynamodb")
    try:  # take the token: only one answer wins
        old = dynamodb.update_item(
            TableName=table("orders"), Key={"orderId": {"S": order_id}},
            ConditionExpression="#s = :waiting", UpdateExpression="SET #s = :running REMOVE taskToken",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":waiting": {"S": "AWAITING_APPROVAL"}, ":running": {"S": "RUNNING"}},
            ReturnValues="ALL_OLD")["Attributes"]
    except Exception as exc:
        if not conditional_failed(exc):
            raise
        return _answer(409, {"message": f"order {order_id} is not waiting for approval"})
    client("stepfunctions").send_task_success(taskToken=old["taskToken"]["S"],
                                              output=json.dumps({"approved": approved}))
    return _answer(202, {"orderId": order_id, "approved": approved})
