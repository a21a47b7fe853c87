"""The same order flow written the way the deck warns against: one Lambda invoking the next and
waiting for each answer (validate, reserve each item, charge, ship), behind ``POST /orders``. No
idempotency key (a client's retry is a new order), no retries with backoff, no
compensations, no approval or fulfilment window (a Lambda cannot wait an hour): a failure half
way leaves what was done before it. Kept beside the workflow to measure the difference."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from aws_runtime import client


class StepFailed(Exception):
    pass


def _call(function: str, payload: dict[str, Any]) -> Any:
    answer = client("lambda").invoke(FunctionName=os.environ[function], Payload=json.dumps(payload).encode())
    result = json.loads(answer["Payload"].read() or b"null")
    if answer.get("FunctionError"):
        raise StepFailed(f"{function}: {result.get('errorType')}: {result.get('errorMessage')}")
    return result


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Invoked directly with the order, or by API Gateway for ``POST /orders`` (proxy): a failure
    half way is an unhandled error either way (API Gateway answers 502; the client may retry)."""
    if "httpMethod" in event:
        try:
            order = json.loads(event.get("body") or "{}")
        except ValueError as exc:
            return _answer(400, {"message": f"the body is not JSON: {exc}"})
        return _answer(200, run_chain(order))
    return run_chain(event)


def _answer(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def run_chain(event: dict[str, Any]) -> dict[str, Any]:
    order_id = event.get("orderId") or str(uuid.uuid4())
    order = _call("VALIDATE_FUNCTION", {"orderId": order_id, "order": event, "executionArn": "chained"})
    for item in order["items"]:
        _call("RESERVE_FUNCTION", {"orderId": order_id, "item": item})
    _call("CHARGE_FUNCTION", {"orderId": order_id, "card": order["card"], "amountCents": order["totalCents"],
                              "faults": order["faults"]})
    shipment = _call("SHIP_FUNCTION", {"orderId": order_id})
    return {"orderId": order_id, "status": "COMPLETED", "trackingId": shipment["trackingId"]}
