"""The same orders through the workflow (template.yaml) and through chained Lambdas
(chained.yaml), each behind its own ``POST /orders``, measured side by side on one embedded
cloud with a virtual clock:

    python -m patterns.order_workflow.comparison

Two tables. Per scenario: the outcome, whether the order was left half done (a charge or a
reservation held by an order that did not complete), the charges made, and the Lambda time billed
(the sum of the invocations' durations: in the chain the first Lambda is billed while it waits for
the next). The scenario ``client-retry`` is a client that loses the answer to its POST (a timeout)
and sends it again: the workflow's POST names the execution after the client's Idempotency-Key,
so the retry starts nothing; the chain makes a second order. Then the cost per thousand orders,
by service, from the meter (infra/metering) and the price file (benchmarks/aws_prices.json), for
a small order that completes.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any, Callable

from infra.compare.prices import PriceFile
from infra.metering import unmetered
from infra.metering.measure import measure as metered
from patterns.api_client import Answer, api_url, call
from patterns.order_workflow import workload

HERE = Path(__file__).resolve().parent
SCENARIOS = ("declined", "transient-failure", "crash-after-charge", "out-of-stock")
SMALL_ORDER = {"items": [{"sku": "cable", "quantity": 1, "price": "9.99"}], "card": workload.GOOD_CARD}
COST_ORDERS = 20  # small orders metered per way for the cost per thousand
SERVICES = ("API Gateway", "Step Functions", "Lambda", "DynamoDB", "SNS")
LONG_ENOUGH = 8 * 3600  # virtual seconds: the fulfilment window and every retry pass


def _billed_ms(cloud: Any, stack: Any, since: int) -> float:
    names = {r.physical_id for r in stack.resources if r.type == "AWS::Lambda::Function"}
    return sum(i["duration_ms"] for i in cloud.plane.executor.invocations[since:] if i["function"] in names)


def _left_half_done(held: dict[str, Any], completed: bool) -> bool:
    return not completed and (held["payment"] == "CHARGED" or bool(held["reserved"]))


def post_order(cloud: Any, stack: Any, order: dict[str, Any], headers: dict[str, str] | None = None) -> Answer:
    return call("POST", f"{api_url(cloud, stack)}/orders", order, headers=headers)


def charges_made(cloud: Any, stack: Any) -> int:
    """Every charge the payments table records, all orders together."""
    with unmetered():
        pages = cloud.client("dynamodb").get_paginator("scan").paginate(TableName=stack.outputs["PaymentsTableName"],
                                                                         ConsistentRead=True)
        return sum(int(item.get("charges", {}).get("N", "0")) for page in pages for item in page["Items"])


def _order_status(cloud: Any, stack: Any, order_id: str) -> str:
    with unmetered():
        item = cloud.client("dynamodb").get_item(TableName=stack.outputs["OrdersTableName"],
                                                 Key={"orderId": {"S": order_id}}, ConsistentRead=True)["Item"]
    return item["status"]["S"]


def through_workflow(cloud: Any, stack: Any, order: dict[str, Any]) -> dict[str, Any]:
    since = len(cloud.plane.executor.invocations)
    answer = post_order(cloud, stack, order)
    if answer.status != 202:
        raise RuntimeError(f"the workflow's POST /orders answered {answer.status} {answer.body}")
    order_id = answer.body["orderId"]
    cloud.drain(max_seconds=LONG_ENOUGH)
    status = _order_status(cloud, stack, order_id)
    with unmetered():
        held = workload.ledger(cloud, stack, [order_id])["orders"][order_id]
    return {"status": status, "halfDone": _left_half_done(held, status == "COMPLETED"), "charges": held["charges"],
            "billedMs": _billed_ms(cloud, stack, since)}


def through_chain(cloud: Any, stack: Any, order: dict[str, Any]) -> dict[str, Any]:
    since = len(cloud.plane.executor.invocations)
    order_id = str(uuid.uuid4())  # given by the harness, so that what the chain left can be looked up
    answer = post_order(cloud, stack, {**order, "orderId": order_id})
    completed = answer.status == 200
    with unmetered():
        held = workload.ledger(cloud, stack, [order_id])["orders"][order_id]
    return {"status": "COMPLETED" if completed else f"ERROR (HTTP {answer.status})",
            "halfDone": _left_half_done(held, completed), "charges": held["charges"],
            "billedMs": _billed_ms(cloud, stack, since)}


def client_retry(cloud: Any, stack: Any, headers: dict[str, str] | None) -> dict[str, Any]:
    """The client sends POST /orders, never sees the answer (it timed out first) and sends it
    again: the charges made for what the client meant as one order."""
    since, charged_before = len(cloud.plane.executor.invocations), charges_made(cloud, stack)
    answers = [post_order(cloud, stack, SMALL_ORDER, headers) for _ in range(2)]
    cloud.drain(max_seconds=LONG_ENOUGH)
    orders = {a.body["orderId"]: a for a in answers if a.status in (200, 202)}
    # the workflow records the outcome in the orders table; the chain only answers it
    statuses = sorted({a.body["status"] if a.status == 200 else _order_status(cloud, stack, order_id)
                       for order_id, a in orders.items()})
    return {"status": f"{len(orders)} order{'s' if len(orders) != 1 else ''} {'/'.join(statuses)}", "halfDone": False,
            "charges": charges_made(cloud, stack) - charged_before, "billedMs": _billed_ms(cloud, stack, since)}


def cost_per_thousand(cloud: Any, send: Callable[[], Answer], prices: PriceFile, orders: int) -> dict[str, Any]:
    """USD per 1,000 orders by service, and Lambda GB-seconds per order, metered over ``orders`` orders."""
    answers = []
    with metered(cloud) as reading:
        for _ in range(orders):  # one at a time: concurrent handlers would bill each other's CPU time
            answers.append(send())
            cloud.drain(max_seconds=LONG_ENOUGH)
    refused = [a for a in answers if a.status not in (200, 202)]
    if refused:
        raise RuntimeError(f"{len(refused)} of the metered orders were refused: {refused[0].status} {refused[0].body}")
    per_million, unpriced = prices.cost_per_million(reading.usage.metrics, orders)
    by_service = {service: usd / 1000 for service, usd in per_million.items()}
    return {"byService": by_service, "total": sum(by_service.values()), "unpriced": unpriced,
            "lambdaGbSecondsPerOrder": reading.usage.metrics.get("lambda/gb_seconds", 0.0) / orders,
            "transitionsPerOrder": reading.usage.metrics.get("stepfunctions/standard_transitions", 0.0) / orders,
            "orders": orders}


def measure(cloud: Any, cost_orders: int = COST_ORDERS) -> dict[str, Any]:
    """Every scenario, the client's retry and the cost, through both ways."""
    workflow = cloud.deploy("order-workflow", stack_name=f"ow-{uuid.uuid4().hex[:6]}")
    chain = cloud.deploy("order-workflow", template=HERE / "chained.yaml", stack_name=f"chain-{uuid.uuid4().hex[:6]}")
    for stack in (workflow, chain):
        workload.seed_inventory(cloud, stack)
    orders = {s.name: s.order for s in workload.scenarios() if s.name in SCENARIOS}
    scenarios = {name: {"workflow": through_workflow(cloud, workflow, order), "chained": through_chain(cloud, chain, order)}
                 for name, order in orders.items()}
    scenarios["client-retry"] = {
        "workflow": client_retry(cloud, workflow, {"Idempotency-Key": f"order-{uuid.uuid4().hex}"}),
        "chained": client_retry(cloud, chain, None)}
    prices = PriceFile.load()
    for stack in (workflow, chain):  # enough stock for the metered orders
        with unmetered():
            cloud.client("dynamodb").put_item(TableName=stack.outputs["InventoryTableName"],
                                              Item={"sku": {"S": "cable"}, "stock": {"N": str(10 * cost_orders)}})
    cost = {"workflow": cost_per_thousand(cloud, lambda: post_order(cloud, workflow, SMALL_ORDER), prices, cost_orders),
            "chained": cost_per_thousand(cloud, lambda: post_order(cloud, chain, SMALL_ORDER), prices, cost_orders)}
    return {"scenarios": scenarios, "cost": cost, "pricesAsOf": prices.as_of}


def table(results: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    lines = ["| scenario | workflow: outcome | left half done | charges | Lambda ms billed "
             "| chained: outcome | left half done | charges | Lambda ms billed |", "|---|---|---|---:|---:|---|---|---:|---:|"]
    for name, both in results.items():
        w, c = both["workflow"], both["chained"]
        lines.append(f"| {name} | {w['status']} | {'yes' if w['halfDone'] else 'no'} | {w['charges']} | "
                     f"{w['billedMs']:.0f} | {c['status']} | {'yes' if c['halfDone'] else 'no'} | {c['charges']} | "
                     f"{c['billedMs']:.0f} |")
    return lines


def cost_table(cost: dict[str, dict[str, Any]]) -> list[str]:
    w, c = cost["workflow"], cost["chained"]
    lines = ["| per 1,000 small orders that complete | workflow | chained |", "|---|---:|---:|"]
    services = [s for s in SERVICES if s in w["byService"] or s in c["byService"]]
    services += sorted((set(w["byService"]) | set(c["byService"])) - set(services))
    for service in services:
        lines.append(f"| {service} | {_usd(w['byService'].get(service))} | {_usd(c['byService'].get(service))} |")
    lines.append(f"| **total** | **{_usd(w['total'])}** | **{_usd(c['total'])}** |")
    lines.append(f"| Lambda GB-s per order (the chain's include its waits) | {w['lambdaGbSecondsPerOrder']:.5f} | "
                 f"{c['lambdaGbSecondsPerOrder']:.5f} |")
    lines.append(f"| Step Functions transitions per order | {w['transitionsPerOrder']:.0f} | "
                 f"{c['transitionsPerOrder']:.0f} |")
    return lines


def _usd(value: float | None) -> str:
    return "-" if value is None else f"${value:.4f}"


def main() -> int:
    from infra.cloud import Cloud
    from infra.compute.clock import VirtualClock

    with Cloud.embedded(clock=VirtualClock()) as cloud:
        results = measure(cloud)
    print("\n".join(table(results["scenarios"])))
    print()
    print("\n".join(cost_table(results["cost"])))
    print(f"\nprices: benchmarks/aws_prices.json as of {results['pricesAsOf']} (us-east-1); "
          f"{results['cost']['workflow']['orders']} orders metered per way")
    unpriced = sorted(set(results["cost"]["workflow"]["unpriced"]) | set(results["cost"]["chained"]["unpriced"]))
    if unpriced:
        print(f"not priced: {', '.join(unpriced)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
