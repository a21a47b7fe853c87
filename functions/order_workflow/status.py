"""GET /orders/{id}: the order's status and the states its execution has passed, in order
(from the execution's history, so it is what Step Functions really ran)."""

from __future__ import annotations

import json
from typing import Any

from aws_runtime import client
from order_store import table

FINAL = ("COMPLETED", "CANCELLED", "FAILED")


def _answer(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def steps(execution_arn: str) -> list[str]:
    """The names of the states entered, in order; a Map's iterations show once per run of a state."""
    names: list[str] = []
    pages = client("stepfunctions").get_paginator("get_execution_history").paginate(executionArn=execution_arn)
    for page in pages:
        for event in page["events"]:
            name = (event.get("stateEnteredEventDetails") or {}).get("name")
            if name and (not names or names[-1] != name):
                names.append(name)
    return names


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order_id = (event.get("pathParameters") or {}).get("id", "")
    item = client("dynamodb").get_item(TableName=table("orders"), Key={"orderId": {"S": order_id}},
                                       ConsistentRead=True).get("Item")
    if item is None:
        return _answer(404, {"message": f"no order {order_id}"})
    status, execution_arn = item["status"]["S"], item["executionArn"]["S"]
    if status not in FINAL + ("AWAITING_APPROVAL",):
        ended = client("stepfunctions").describe_execution(executionArn=execution_arn)["status"]
        status = "RUNNING" if ended in ("RUNNING", "PENDING_REDRIVE") else "FAILED"  # ended before recording it
    body: dict[str, Any] = {"orderId": order_id, "status": status, "steps": steps(execution_arn)}
    for field in ("trackingId", "reason"):
        if field in item:
            body[field] = item[field]["S"]
    return _answer(200, body)
