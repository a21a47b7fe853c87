"""Reserve one item's stock for an order: the stock decrement and the reservation record in one
transaction, so a retried reservation never takes the stock twice. Raises OutOfStock."""

from __future__ import annotations

from typing import Any

from aws_runtime import client
from order_store import table


class OutOfStock(Exception):
    pass


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order_id, item = event["orderId"], event["item"]
    dynamodb = client("dynamodb")
    key = {"orderId": {"S": order_id}, "sku": {"S": item["sku"]}}
    if "Item" in dynamodb.get_item(TableName=table("reservations"), Key=key, ConsistentRead=True):
        return {"sku": item["sku"], "reserved": item["quantity"], "again": True}
    quantity = {":q": {"N": str(item["quantity"])}}
    try:
        dynamodb.transact_write_items(TransactItems=[
            {"Update": {"TableName": table("inventory"), "Key": {"sku": {"S": item["sku"]}},
                        "UpdateExpression": "SET stock = stock - :q", "ConditionExpression": "stock >= :q",
                        "ExpressionAttributeValues": quantity}},
            {"Put": {"TableName": table("reservations"), "ConditionExpression": "attribute_not_exists(orderId)",
                     "Item": {**key, "quantity": {"N": str(item["quantity"])}}}},
        ])
    except dynamodb.exceptions.TransactionCanceledException as exc:
        raise OutOfStock(f"{item['sku']}: fewer than {item['quantity']} in stock") from exc
    return {"sku": item["sku"], "reserved": item["quantity"], "again": False}
