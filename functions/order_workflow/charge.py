"""Charge the card, once per order however often Step Functions retries (the charge record is
written only if none exists). A pretend payment provider:

- 4000000000000002 is always declined (CardDeclined: not retried);
- 4000000000000119 fails twice with PaymentServiceUnavailable (transient: retried), then charges;
- ``faults.crashAfterCharge``: the charge is made, then the function dies before answering
  (ChargeCrashed), the case that leaves money taken without an answer.
"""

from __future__ import annotations

import uuid
from typing import Any

from aws_runtime import client
from order_store import conditional_failed, table

DECLINED = "4000000000000002"
TRANSIENT = "4000000000000119"


class CardDeclined(Exception):
    pass


class PaymentServiceUnavailable(Exception):
    pass


class ChargeCrashed(Exception):
    pass


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order_id, card, amount = event["orderId"], event["card"], int(event["amountCents"])
    dynamodb = client("dynamodb")
    key = {"orderId": {"S": order_id}}
    attempts = int(dynamodb.update_item(
        TableName=table("payments"), Key=key, UpdateExpression="ADD attempts :one",
        ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="ALL_NEW")["Attributes"]["attempts"]["N"])
    if card == DECLINED:
        raise CardDeclined(f"card ending {card[-4:]} was declined")
    if card == TRANSIENT and attempts <= 2:
        raise PaymentServiceUnavailable(f"the payment service did not answer (attempt {attempts})")
    charge_id = f"ch_{uuid.uuid4().hex[:16]}"
    try:
        dynamodb.update_item(
            TableName=table("payments"), Key=key, ConditionExpression="attribute_not_exists(chargeId)",
            UpdateExpression="SET chargeId = :c, amountCents = :a, #s = :charged ADD charges :one",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":c": {"S": charge_id}, ":a": {"N": str(amount)},
                                       ":charged": {"S": "CHARGED"}, ":one": {"N": "1"}})
    except Exception as exc:
        if not conditional_failed(exc):
            raise
        existing = dynamodb.get_item(TableName=table("payments"), Key=key, ConsistentRead=True)["Item"]
        charge_id = existing["chargeId"]["S"]  # charged by an earlier attempt: the same charge
    if (event.get("faults") or {}).get("crashAfterCharge"):
        raise ChargeCrashed("the function died after charging, before answering")
    return {"chargeId": charge_id, "amountCents": amount}
