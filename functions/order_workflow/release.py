"""Compensation: give back every reservation the order holds (none, some or all of its items).
Each release deletes its reservation record in the transaction that restores the stock, so a
retried release never gives stock back twice."""

from __future__ import annotations

from typing import Any

from aws_runtime import client
from order_store import table


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order_id = event["orderId"]
    dynamodb = client("dynamodb")
    held = dynamodb.query(TableName=table("reservations"), KeyConditionExpression="orderId = :o",
                          ExpressionAttributeValues={":o": {"S": order_id}}, ConsistentRead=True)["Items"]
    released = []
    for reservation in held:
        sku, quantity = reservation["sku"]["S"], reservation["quantity"]["N"]
        try:
            dynamodb.transact_write_items(TransactItems=[
                {"Delete": {"TableName": table("reservations"), "ConditionExpression": "attribute_exists(orderId)",
                            "Key": {"orderId": {"S": order_id}, "sku": {"S": sku}}}},
                {"Update": {"TableName": table("inventory"), "Key": {"sku": {"S": sku}},
                            "UpdateExpression": "SET stock = stock + :q",
                            "ExpressionAttributeValues": {":q": {"N": quantity}}}},
            ])
        except dynamodb.exceptions.TransactionCanceledException:
            continue  # released meanwhile by an earlier attempt
        released.append(sku)
    return {"released": released}
