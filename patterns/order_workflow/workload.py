"""An order saga on Step Functions: reserve stock, charge, approve, wait, ship, notify; compensations in reverse order.

The demo drives the API over HTTP: an approved large order, a rejected one, a declined card, a
card whose payment service fails twice (retried), a charge whose Lambda dies after charging, an
item out of stock, an invalid order and an order whose POST the client sends twice under one
Idempotency-Key (its first answer lost); then a quote through the Express workflow. Each order's
path through the states and its outcome are printed and checked: the saga never leaves a charge
without an order or a reservation without a charge. On the embedded target the hour-long
fulfilment window passes on the virtual clock.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from infra.exceptions import ToolkitError
from infra.workload import Invariant, Operation
from patterns.api_client import api_url, call

OPERATION = Operation("order", need="a multi-step business transaction with compensations",
                      differs="Step Functions saga: retries with backoff, waits without Lambda time, "
                              "compensations in reverse order")

STOCK = {"laptop": 10, "mouse": 100, "cable": 100, "lens": 1}
DECLINED_CARD = "4000000000000002"
TRANSIENT_CARD = "4000000000000119"
GOOD_CARD = "4242424242424242"


@dataclass
class Scenario:
    name: str
    order: dict[str, Any]
    expect: str  # the final status
    must_pass: list[str]  # states the path must include, in this order
    approve: bool | None = None  # the human's answer when the order waits for one
    retried: bool = False  # the client sends the POST twice under one Idempotency-Key (the first answer lost)
    order_id: str = ""
    retry_answer: dict[str, Any] = field(default_factory=dict)  # what the client's second POST got
    answer: dict[str, Any] = field(default_factory=dict)


def scenarios() -> list[Scenario]:
    laptop = {"sku": "laptop", "quantity": 1, "price": "1299.00"}
    mouse = {"sku": "mouse", "quantity": 2, "price": 24.5}
    return [
        Scenario("approved", {"items": [laptop, mouse], "card": GOOD_CARD}, "COMPLETED",
                 ["Validate", "ReserveStock", "Charge", "RequestApproval", "FulfilmentWindow", "Ship", "Notify",
                  "MarkCompleted"], approve=True),
        Scenario("rejected", {"items": [laptop], "card": GOOD_CARD}, "CANCELLED",
                 ["Charge", "RequestApproval", "Rejected", "Refund", "ReleaseStock", "MarkCancelled"], approve=False),
        Scenario("declined", {"items": [mouse], "card": DECLINED_CARD}, "CANCELLED",
                 ["ReserveStock", "Charge", "Refund", "ReleaseStock", "MarkCancelled"]),
        Scenario("transient-failure", {"items": [mouse, {"sku": "cable", "quantity": 3, "price": "9.99"}],
                                       "card": TRANSIENT_CARD}, "COMPLETED",
                 ["Charge", "FulfilmentWindow", "Ship", "Notify", "MarkCompleted"]),
        Scenario("crash-after-charge", {"items": [mouse], "card": GOOD_CARD, "faults": {"crashAfterCharge": True}},
                 "CANCELLED", ["Charge", "Refund", "ReleaseStock", "MarkCancelled"]),
        Scenario("out-of-stock", {"items": [mouse, {"sku": "lens", "quantity": 3, "price": 450}], "card": GOOD_CARD},
                 "CANCELLED", ["ReserveStock", "ReleaseStock", "MarkCancelled"]),
        Scenario("invalid", {"items": [{"sku": "mouse", "quantity": 0, "price": 1}], "card": GOOD_CARD}, "FAILED",
                 ["Validate", "MarkFailed"]),
        Scenario("client-retry", {"items": [{"sku": "cable", "quantity": 1, "price": "9.99"}], "card": GOOD_CARD},
                 "COMPLETED", ["Charge", "Ship", "MarkCompleted"], retried=True),
    ]


def seed_inventory(cloud: Any, stack: Any) -> None:
    dynamodb = cloud.client("dynamodb")
    for sku, stock in STOCK.items():
        dynamodb.put_item(TableName=stack.outputs["InventoryTableName"],
                          Item={"sku": {"S": sku}, "stock": {"N": str(stock)}})


def let_time_pass(cloud: Any) -> None:
    """Everything in flight runs on: on a virtual clock the fulfilment window passes in one step."""
    if cloud.plane is not None and getattr(cloud.clock, "virtual", False):
        cloud.drain(max_seconds=8 * 3600)
    else:
        threading.Event().wait(0.2)


def wait_for(cloud: Any, base: str, order_id: str, statuses: tuple[str, ...], seconds: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        let_time_pass(cloud)
        answer = call("GET", f"{base}/orders/{order_id}")
        if answer.status == 200 and answer.body["status"] in statuses or time.monotonic() > deadline:
            return answer.body if answer.status == 200 else {"status": f"HTTP {answer.status}", "steps": []}


def run(cloud: Any, stack: Any, progress: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """Drive every scenario over HTTP and return each order's path and outcome, and the quote."""
    seed_inventory(cloud, stack)
    base = api_url(cloud, stack)
    started, virtual_start = time.perf_counter(), cloud.clock.now()
    runs = scenarios()
    for scenario in runs:
        key = {"Idempotency-Key": f"order-{uuid.uuid4().hex}"} if scenario.retried else None
        answer = call("POST", f"{base}/orders", scenario.order, headers=key)
        if answer.status != 202:
            raise ToolkitError(f"POST /orders for '{scenario.name}' answered {answer.status} {answer.body}")
        scenario.order_id = answer.body["orderId"]
        if scenario.retried:  # the client timed out before the answer came, and sends it again
            again = call("POST", f"{base}/orders", scenario.order, headers=key)
            scenario.retry_answer = {"status": again.status, "sameOrder": again.body == answer.body}
    progress(f"{len(runs)} orders started through API Gateway -> StartExecution")
    for scenario in (s for s in runs if s.approve is not None):
        waiting = wait_for(cloud, base, scenario.order_id, ("AWAITING_APPROVAL",) + FINAL)
        progress(f"{scenario.name}: {waiting['status']}; a person answers approved={scenario.approve}")
        call("POST", f"{base}/orders/{scenario.order_id}/approval", {"approved": scenario.approve})
    late = call("POST", f"{base}/orders/{runs[0].order_id}/approval", {"approved": True})
    for scenario in runs:
        scenario.answer = wait_for(cloud, base, scenario.order_id, FINAL)
        progress(f"{scenario.name}: {scenario.answer.get('status')} via {' -> '.join(scenario.answer.get('steps', []))}")
    quote = call("POST", f"{base}/quotes", {"items": [{"quantity": 2, "price": "19.99"}]})
    return {"orders": [{"name": s.name, "orderId": s.order_id, "expect": s.expect, "mustPass": s.must_pass,
                        "status": s.answer.get("status"), "steps": s.answer.get("steps", []),
                        "reason": s.answer.get("reason"), "retry": s.retry_answer} for s in runs],
            "secondApproval": late.status, "quote": {"status": quote.status, "body": quote.body},
            "ledger": ledger(cloud, stack, [s.order_id for s in runs]),
            "notifications": notifications(cloud, stack),
            "seconds": time.perf_counter() - started, "virtualSeconds": cloud.clock.now() - virtual_start,
            "operations": len(runs)}


FINAL = ("COMPLETED", "CANCELLED", "FAILED")


def ledger(cloud: Any, stack: Any, order_ids: list[str]) -> dict[str, Any]:
    """What the tables hold: stock per sku, reservations and payments per order."""
    dynamodb = cloud.client("dynamodb")
    stock = {sku: int(dynamodb.get_item(TableName=stack.outputs["InventoryTableName"], Key={"sku": {"S": sku}},
                                        ConsistentRead=True)["Item"]["stock"]["N"]) for sku in STOCK}
    orders = {}
    for order_id in order_ids:
        held = dynamodb.query(TableName=stack.outputs["ReservationsTableName"], KeyConditionExpression="orderId = :o",
                              ExpressionAttributeValues={":o": {"S": order_id}}, ConsistentRead=True)["Items"]
        payment = dynamodb.get_item(TableName=stack.outputs["PaymentsTableName"], Key={"orderId": {"S": order_id}},
                                    ConsistentRead=True).get("Item", {})
        orders[order_id] = {"reserved": {r["sku"]["S"]: int(r["quantity"]["N"]) for r in held},
                            "payment": payment.get("status", {}).get("S"),
                            "charges": int(payment.get("charges", {}).get("N", "0")),
                            "attempts": int(payment.get("attempts", {}).get("N", "0"))}
    return {"stock": stock, "orders": orders}


def notifications(cloud: Any, stack: Any) -> list[str]:
    sqs = cloud.client("sqs")
    bodies: list[str] = []
    while True:
        messages = sqs.receive_message(QueueUrl=stack.outputs["NotificationsQueueUrl"], MaxNumberOfMessages=10,
                                       WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return bodies
        bodies += [m["Body"] for m in messages]
        sqs.delete_message_batch(QueueUrl=stack.outputs["NotificationsQueueUrl"],
                                 Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                          for i, m in enumerate(messages)])


def _in_order(steps: list[str], wanted: list[str]) -> bool:
    position = 0
    for step in steps:
        if position < len(wanted) and step == wanted[position]:
            position += 1
    return position == len(wanted)


def invariants(result: dict[str, Any]) -> list[Invariant]:
    """What the saga promises, checked from the orders table, the stock and the notifications."""
    book = result["ledger"]["orders"]
    paths, held_wrongly, sold = [], [], {}
    for order in result["orders"]:
        held, name = book[order["orderId"]], order["name"]
        if order["status"] != order["expect"]:
            paths.append(f"{name}: {order['status']}, expected {order['expect']}")
        if not _in_order(order["steps"], order["mustPass"]):
            paths.append(f"{name}: path {order['steps']} does not pass {order['mustPass']}")
        if order["status"] == "COMPLETED":
            if held["payment"] != "CHARGED" or held["charges"] != 1:
                held_wrongly.append(f"{name}: completed with payment {held['payment']} after {held['charges']} charges")
            for sku, quantity in held["reserved"].items():
                sold[sku] = sold.get(sku, 0) + quantity
        elif held["payment"] == "CHARGED" or held["reserved"]:
            held_wrongly.append(f"{name}: {order['status']} but still holds {held}")
    stock = [f"{sku}: {result['ledger']['stock'][sku]}, expected {initial - sold.get(sku, 0)}"
             for sku, initial in STOCK.items() if result["ledger"]["stock"][sku] != initial - sold.get(sku, 0)]
    completed = sum(1 for o in result["orders"] if o["status"] == "COMPLETED")
    retried = [(o["name"], o.get("retry") or {}, book[o["orderId"]]["charges"]) for o in result["orders"]
               if o.get("retry")]
    doubled = [f"{name}: second POST {retry.get('status')}, same order {retry.get('sameOrder')}, {charges} charges"
               for name, retry, charges in retried
               if retry.get("status") != 202 or not retry.get("sameOrder") or charges != 1]
    quote = result["quote"]
    return [
        Invariant("every order ends with its expected status, along its expected path", not paths, "; ".join(paths)),
        Invariant("no charge without an order, no reservation without a charge (exactly one charge per "
                  "completed order)", not held_wrongly, "; ".join(held_wrongly)),
        Invariant("stock is the initial stock minus what completed orders took", not stock, "; ".join(stock)),
        Invariant("one shipping notification per completed order", len(result["notifications"]) == completed,
                  f"{len(result['notifications'])} for {completed}"),
        Invariant("a POST /orders sent twice under one Idempotency-Key is one order, charged once",
                  bool(retried) and not doubled, "; ".join(doubled) or f"{len(retried)} retried, 1 charge each"),
        Invariant("a second approval is refused with 409", result["secondApproval"] == 409,
                  str(result["secondApproval"])),
        Invariant("the Express quote answers the total with tax and shipping",
                  quote["status"] == 200 and (quote["body"] or {}).get("total") == "48.17",
                  f"{quote['status']} {quote['body']}"),
    ]


def check(result: dict[str, Any]) -> list[str]:
    """Every broken invariant, in words (empty when the saga did what it must)."""
    return [f"{item.name}: {item.detail}" for item in invariants(result) if not item.held]


def outcome(result: dict[str, Any]) -> dict[str, Any]:
    """What must come out the same on every target: each order's status and the broken invariants."""
    return {"statuses": {o["name"]: o["status"] for o in result["orders"]}, "problems": check(result)}


def summary_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for order in result["orders"]:
        held = result["ledger"]["orders"][order["orderId"]]
        lines.append(f"{order['name']:<19} {order['status']:<10} (expected {order['expect']}) charge attempts "
                     f"{held['attempts']}, charges {held['charges']}, payment {held['payment'] or '-'}")
    quote = result["quote"]["body"] or {}
    lines.append(f"quote (Express, StartSyncExecution through API Gateway): {result['quote']['status']} "
                 f"subtotal {quote.get('subtotalCents')} + tax {quote.get('taxCents')} + shipping "
                 f"{quote.get('shippingCents')} cents = {quote.get('total')}")
    lines.append(f"stock after: {result['ledger']['stock']}; notifications: {len(result['notifications'])}")
    lines.append(f"{result['seconds']:.2f} s wall for {result['virtualSeconds']:.0f} s of workflow time")
    return lines


@contextlib.contextmanager
def serve_extras(cloud: Any, stack: Any, say: Callable[[str], None]) -> Iterator[None]:
    """For ``samplecli.py serve order-workflow``: stock seeded, curl lines printed."""
    seed_inventory(cloud, stack)
    url = api_url(cloud, stack)
    say(f"stock: {STOCK}")
    say(f"  curl -H 'Content-Type: application/json' -d '{{\"items\": [{{\"sku\": \"laptop\", \"quantity\": 1, \"price\": 1299}}], "
        f"\"card\": \"{GOOD_CARD}\"}}' {url}/orders")
    say(f"  curl {url}/orders/<orderId>")
    say(f"  curl -H 'Content-Type: application/json' -d '{{\"approved\": true}}' {url}/orders/<orderId>/approval")
    say(f"  curl -H 'Content-Type: application/json' -d '{{\"items\": [{{\"quantity\": 2, \"price\": 19.99}}]}}' {url}/quotes")
    yield
