"""The orders microservice behind API Gateway's Lambda proxy integration: Powertools' REST
resolver, orders stored in DynamoDB.

    POST   /orders          create (201, the order with its id)
    GET    /orders          a page of orders (?limit=1..100&next=TOKEN)
    GET    /orders/{id}     one order (404 when there is none)
    DELETE /orders/{id}     delete (204; 404 when there is none)
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from datetime import datetime, timezone
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError

from aws_runtime import client

app = APIGatewayRestResolver(cors=CORSConfig(allow_origin=os.environ.get("ALLOWED_ORIGIN", "*"),
                                             allow_headers=["Content-Type", "X-Api-Key"]))
MAX_PAGE = 100


def _table() -> str:
    return os.environ["ORDERS_TABLE"]


def _order(item: dict[str, Any]) -> dict[str, Any]:
    return {"id": item["id"]["S"], "item": item["item"]["S"], "quantity": int(item["quantity"]["N"]),
            "note": item.get("note", {}).get("S", ""), "status": item["status"]["S"],
            "createdAt": item["createdAt"]["S"]}


@app.post("/orders")
def create_order() -> Response:
    body = app.current_event.json_body  # API Gateway's validator has checked it against NewOrder
    order = {"id": uuid.uuid4().hex, "item": body["item"], "quantity": int(body["quantity"]),
             "note": body.get("note", ""), "status": "created",
             "createdAt": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    client("dynamodb").put_item(TableName=_table(), Item={
        "id": {"S": order["id"]}, "item": {"S": order["item"]}, "quantity": {"N": str(order["quantity"])},
        "note": {"S": order["note"]}, "status": {"S": order["status"]}, "createdAt": {"S": order["createdAt"]}},
        ConditionExpression="attribute_not_exists(id)")
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=json.dumps(order),
                    headers={"Location": f"/orders/{order['id']}"})


@app.get("/orders/<order_id>")
def get_order(order_id: str) -> dict[str, Any]:
    found = client("dynamodb").get_item(TableName=_table(), Key={"id": {"S": order_id}}).get("Item")
    if found is None:
        raise NotFoundError(f"order {order_id} not found")
    return _order(found)


@app.get("/orders")
def list_orders() -> dict[str, Any]:
    params = app.current_event.query_string_parameters or {}
    try:
        limit = int(params.get("limit", "20"))
    except ValueError:
        raise BadRequestError("limit must be a whole number") from None
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequestError(f"limit must be between 1 and {MAX_PAGE}")
    kwargs: dict[str, Any] = {"TableName": _table(), "Limit": limit}
    if params.get("next"):
        try:
            start = base64.b64decode(params["next"], altchars=b"-_", validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            start = ""
        if not start:
            raise BadRequestError("next is not a page token this API gave out")
        kwargs["ExclusiveStartKey"] = {"id": {"S": start}}
    page = client("dynamodb").scan(**kwargs)
    last = page.get("LastEvaluatedKey")
    token = base64.urlsafe_b64encode(last["id"]["S"].encode()).decode() if last else None
    return {"orders": [_order(item) for item in page.get("Items", [])], "next": token}


@app.delete("/orders/<order_id>")
def delete_order(order_id: str) -> Response:
    deleted = client("dynamodb").delete_item(TableName=_table(), Key={"id": {"S": order_id}},
                                            ReturnValues="ALL_OLD").get("Attributes")
    if deleted is None:
        raise NotFoundError(f"order {order_id} not found")
    return Response(status_code=204, body="")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
