"""The same orders through the workflow (template.yaml) and through chained Lambdas
(chained.yaml), measured side by side on one embedded cloud with a virtual clock:

    python -m patterns.order_workflow.comparison

For each scenario: the outcome, whether the order was left half done (a charge or a reservation
held by an order that did not complete), the charges made, and the Lambda time billed (the sum of
the invocations' durations: in the chain the first Lambda is billed while it waits for the next).
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

from patterns.order_workflow import workload

HERE = Path(__file__).resolve().parent
SCENARIOS = ("declined", "transient-failure", "crash-after-charge", "out-of-stock")


def _billed_ms(cloud: Any, stack: Any, since: int) -> float:
    names = {r.physical_id for r in stack.resources if r.type == "AWS::Lambda::Function"}
    return sum(i["duration_ms"] for i in cloud.plane.executor.invocations[since:] if i["function"] in names)


def _left_half_done(held: dict[str, Any], completed: bool) -> bool:
    return not completed and (held["payment"] == "CHARGED" or bool(held["reserved"]))


def through_workflow(cloud: Any, stack: Any, order: dict[str, Any]) -> dict[str, Any]:
    since = len(cloud.plane.executor.invocations)
    order_id = str(uuid.uuid4())
    sfn = cloud.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=stack.outputs["OrderWorkflowArn"], name=order_id,
                              input=json.dumps({"orderId": order_id, "order": order}))["executionArn"]
    cloud.drain(max_seconds=8 * 3600)
    item = cloud.client("dynamodb").get_item(TableName=stack.outputs["OrdersTableName"],
                                             Key={"orderId": {"S": order_id}})["Item"]
    held = workload.ledger(cloud, stack, [order_id])["orders"][order_id]
    status = item["status"]["S"]
    return {"status": status, "halfDone": _left_half_done(held, status == "COMPLETED"), "charges": held["charges"],
            "billedMs": _billed_ms(cloud, stack, since), "executionStatus": sfn.describe_execution(executionArn=arn)["status"]}


def through_chain(cloud: Any, stack: Any, order: dict[str, Any]) -> dict[str, Any]:
    since = len(cloud.plane.executor.invocations)
    order_id = str(uuid.uuid4())
    answer = cloud.client("lambda").invoke(FunctionName=stack.outputs["ChainedOrderFunctionName"],
                                           Payload=json.dumps({**order, "orderId": order_id}).encode())
    answer["Payload"].read()
    held = workload.ledger(cloud, stack, [order_id])["orders"][order_id]
    completed = "FunctionError" not in answer
    return {"status": "COMPLETED" if completed else "ERROR", "halfDone": _left_half_done(held, completed),
            "charges": held["charges"], "billedMs": _billed_ms(cloud, stack, since)}


def measure(cloud: Any) -> dict[str, dict[str, dict[str, Any]]]:
    workflow = cloud.deploy("order-workflow", stack_name=f"ow-{uuid.uuid4().hex[:6]}")
    chain = cloud.deploy("order-workflow", template=HERE / "chained.yaml", stack_name=f"chain-{uuid.uuid4().hex[:6]}")
    for stack in (workflow, chain):
        workload.seed_inventory(cloud, stack)
    orders = {s.name: s.order for s in workload.scenarios() if s.name in SCENARIOS}
    return {name: {"workflow": through_workflow(cloud, workflow, order), "chained": through_chain(cloud, chain, order)}
            for name, order in orders.items()}


def table(results: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    lines = ["| scenario | workflow: outcome | left half done | charges | Lambda ms billed "
             "| chained: outcome | left half done | charges | Lambda ms billed |", "|---|---|---|---:|---:|---|---|---:|---:|"]
    for name, both in results.items():
        w, c = both["workflow"], both["chained"]
        lines.append(f"| {name} | {w['status']} | {'yes' if w['halfDone'] else 'no'} | {w['charges']} | "
                     f"{w['billedMs']:.0f} | {c['status']} | {'yes' if c['halfDone'] else 'no'} | {c['charges']} | "
                     f"{c['billedMs']:.0f} |")
    return lines


def main() -> int:
    from infra.cloud import Cloud
    from infra.compute.clock import VirtualClock

    with Cloud.embedded(clock=VirtualClock()) as cloud:
        print("\n".join(table(measure(cloud))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
