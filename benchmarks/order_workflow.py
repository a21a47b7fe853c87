"""order-workflow benchmark: the Standard saga's executions/s and the Express quote's latency
through the HTTP front door, printed as a Markdown table.

    python benchmarks/order_workflow.py              # 40 orders, 200 quotes, 3 cold runs
    python benchmarks/order_workflow.py --quick      # 10 orders, 50 quotes, 1 cold run

- Standard saga: the pattern deployed embedded on a virtual clock; N orders (two items each, no
  approval) started together, then drained: every execution validates, reserves (Map), charges,
  waits its hour-long fulfilment window on the virtual clock, ships, notifies and records
  COMPLETED. executions/s = N / the wall time from the first start to the last completion.
- Express quote: POST /quotes through the front door over real HTTP (one keep-alive connection,
  requests back to back): API Gateway's StartSyncExecution integration runs the Express workflow
  and its Lambda inside each request; p50/p99 of the round trip.
- `python samplecli.py run order-workflow` from a cold interpreter (a new process), wall time,
  target under 10 s.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.foundation import percentile  # noqa: E402

TARGET_RUN_SECONDS = 10.0


def saga_rate(cloud: Any, stack: Any, orders: int) -> tuple[float, float]:
    from patterns.order_workflow import workload

    sfn = cloud.client("stepfunctions")
    arns = []
    started = time.perf_counter()
    for _ in range(orders):
        order_id = str(uuid.uuid4())
        order = {"items": [{"sku": "mouse", "quantity": 1, "price": "24.50"},
                           {"sku": "cable", "quantity": 2, "price": "9.99"}], "card": workload.GOOD_CARD}
        arns.append(sfn.start_execution(stateMachineArn=stack.outputs["OrderWorkflowArn"], name=order_id,
                                        input=json.dumps({"orderId": order_id, "order": order}))["executionArn"])
    cloud.drain(max_seconds=8 * 3600)
    seconds = time.perf_counter() - started
    statuses = [sfn.describe_execution(executionArn=arn)["status"] for arn in arns]
    if statuses.count("SUCCEEDED") != orders:
        raise SystemExit(f"not every saga completed: {sorted(set(statuses))}")
    return orders / seconds, seconds


def quote_latencies(url: str, requests: int) -> list[float]:
    host_port, _, base = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    body = json.dumps({"items": [{"quantity": 2, "price": "19.99"}]})
    latencies = []
    for _ in range(requests + 5):
        begin = time.perf_counter()
        conn.request("POST", f"/{base}/quotes", body=body, headers={"Content-Type": "application/json"})
        answer = conn.getresponse()
        payload = json.loads(answer.read())
        latencies.append((time.perf_counter() - begin) * 1000)
        if answer.status != 200 or payload.get("total") != "48.17":
            raise SystemExit(f"a quote answered {answer.status} {payload}")
    return latencies[5:]  # after a warm-up


def cold_runs(runs: int) -> list[float]:
    walls = []
    for _ in range(runs):
        begin = time.perf_counter()
        done = subprocess.run([sys.executable, "samplecli.py", "run", "order-workflow"], cwd=ROOT,
                              capture_output=True, text=True)
        walls.append(time.perf_counter() - begin)
        if done.returncode != 0:
            raise SystemExit(f"samplecli.py run order-workflow failed:\n{done.stdout}\n{done.stderr}")
    return walls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    orders, quotes, runs = (10, 50, 1) if args.quick else (40, 200, 3)

    from infra.cloud import Cloud
    from infra.compute.clock import VirtualClock
    from patterns.api_client import api_url
    from patterns.order_workflow import workload

    with Cloud.embedded(clock=VirtualClock()) as cloud:
        stack = cloud.deploy("order-workflow")
        workload.seed_inventory(cloud, stack)
        dynamodb = cloud.client("dynamodb")
        for sku in ("mouse", "cable"):  # enough stock for every order
            dynamodb.put_item(TableName=stack.outputs["InventoryTableName"],
                              Item={"sku": {"S": sku}, "stock": {"N": "1000000"}})
        saga_rate(cloud, stack, 3)  # warm: cold starts of every function
        rate, seconds = saga_rate(cloud, stack, orders)
        latencies = quote_latencies(api_url(cloud, stack), quotes)
    walls = cold_runs(runs)

    print(f"order-workflow, {datetime.date.today().isoformat()}, {platform.python_version()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print()
    print("| benchmark | result | target |")
    print("|---|---:|---|")
    print(f"| Standard saga, {orders} orders started together (validate, Map reserve, charge, 1 h Wait on the "
          f"virtual clock, ship, notify, record) | {rate:.1f} executions/s ({seconds:.2f} s) | — |")
    print(f"| Express quote, POST /quotes through the front door (StartSyncExecution + Lambda), {quotes} requests "
          f"| p50 {percentile(latencies, 0.50):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms | — |")
    print(f"| `python samplecli.py run order-workflow`, cold interpreter (wall), {runs} run(s) "
          f"| {' / '.join(f'{w:.1f} s' for w in walls)} | < {TARGET_RUN_SECONDS:.0f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
