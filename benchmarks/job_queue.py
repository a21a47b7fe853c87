"""Job queue benchmarks: jobs/s from enqueue to COMPLETED for ``echo`` through the deployed
job-queue pattern, and the DynamoDB request units, SQS requests and cost per job. Prints a
Markdown table.

    python benchmarks/job_queue.py            # 2,000 jobs per run, 3 runs
    python benchmarks/job_queue.py --quick    # 500 jobs, 1 run

Throughput: the pattern deployed on the embedded target (virtual clock); a producer enqueues
through the library (``JobQueue.enqueue``: PutItem + SendMessage, as a Lambda enqueuing would) in
rounds of ``--round`` jobs, and the compute plane's SQS event source delivers them in batches of
10 to the real worker function, which claims, performs and completes each one; the clock stops
when every job is COMPLETED (checked on the table at the end). Units: the same enqueue and
consumer code in this process with a metering DynamoDB client, by DynamoDB's pricing rules
including the two global secondary indexes (benchmarks/aws_prices.json holds the prices and
their date).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "functions" / "shared"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from jobs import COMPLETED, JobQueue, Performer  # noqa: E402
from jobs.delivery import Delivery  # noqa: E402

from infra.compare.prices import PriceFile  # noqa: E402
from infra.metering.dynamodb_units import item_size as item_bytes  # noqa: E402
from infra.cloud import Cloud  # noqa: E402
from infra.compute.clock import VirtualClock  # noqa: E402

PRICES = PriceFile.load()  # benchmarks/aws_prices.json
GSI_WRITES_ON_PUT = 2  # byStatus and byType each get the new entry
GSI_WRITES_ON_UPDATE = 3  # byStatus: its sort key (updatedAt) changes, a delete + a put; byType: the projection


class Echo(Performer):
    job_type = "echo"

    def perform(self, payload: Any) -> Any:
        return payload


class Metered:
    """A DynamoDB client counting request units as DynamoDB bills them for the job table: a write
    costs a unit per KB on the table plus its index writes; a refused conditional write costs its
    table units only; a strongly consistent read a unit per 4 KB."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.exceptions = client.exceptions
        self.read_units = self.write_units = 0.0
        self._lock = threading.Lock()

    def _add(self, reads: float, writes: float) -> None:
        with self._lock:
            self.read_units += reads
            self.write_units += writes

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(**kwargs: Any) -> Any:
            try:
                response = method(**kwargs)
            except self._client.exceptions.ConditionalCheckFailedException:
                self._add(0, 1)
                raise
            if name == "put_item":
                self._add(0, math.ceil(item_bytes(kwargs["Item"]) / 1024) + (GSI_WRITES_ON_PUT if "status" in kwargs["Item"] else 0))
            elif name == "update_item":
                size = item_bytes(response.get("Attributes") or {})
                self._add(0, max(1, math.ceil(size / 1024)) + GSI_WRITES_ON_UPDATE)
            elif name == "get_item":
                self._add(max(1, math.ceil(item_bytes(response.get("Item") or {}) / 4096)), 0)
            elif name == "transact_write_items":
                for entry in kwargs["TransactItems"]:
                    op = next(iter(entry.values()))
                    item = op.get("Item") or op.get("Key")
                    self._add(0, 2 * max(1, math.ceil(item_bytes(item) / 1024))
                              + (GSI_WRITES_ON_PUT if "status" in item else 0))
            return response

        return call


class CountingSqs:
    def __init__(self, client: Any) -> None:
        self._client = client
        self.requests = 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(**kwargs: Any) -> Any:
            self.requests += 1
            return method(**kwargs)

        return call


def throughput(cloud: Cloud, stack: Any, jobs: int, per_round: int, batched: bool = False) -> tuple[float, float]:
    """(jobs/s, CPU ms per job of this process) from the first enqueue to the last completion;
    ``batched``: each round is one ``enqueue_many`` instead of an ``enqueue`` per job."""
    queue = JobQueue([Echo], table=stack.outputs["TableName"], clients=cloud.client, clock=cloud.clock,
                     delivery=Delivery(stack.outputs["QueueUrl"], lambda: cloud.client("sqs"), lambda: cloud.client("scheduler")))
    plane = cloud.plane
    assert plane is not None
    ids: list[str] = []
    started, cpu = time.perf_counter(), time.process_time()
    while len(ids) < jobs:
        payloads = [{"n": len(ids) + i} for i in range(min(per_round, jobs - len(ids)))]
        ids += queue.enqueue_many("echo", payloads) if batched else [queue.enqueue("echo", p) for p in payloads]
        plane.run_until_idle()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    done = sum(1 for _ in queue.table.all(status=COMPLETED))
    if done < jobs:
        raise SystemExit(f"only {done} of {jobs} jobs COMPLETED")
    return jobs / seconds, cpu / jobs * 1000


def units_per_job(cloud: Cloud, stack: Any, sample: int = 200) -> tuple[float, float, float]:
    """(read units, write units, SQS requests) per echo job from enqueue to COMPLETED, batches of 10."""
    metered, sqs = Metered(cloud.client("dynamodb")), CountingSqs(cloud.client("sqs"))
    clients = {"dynamodb": metered, "sqs": sqs}
    queue = JobQueue([Echo], table=stack.outputs["TableName"], clients=lambda s: clients.get(s) or cloud.client(s),
                     clock=cloud.clock, delivery=Delivery(stack.outputs["QueueUrl"], lambda: sqs, lambda: cloud.client("scheduler")))
    for n in range(sample):
        queue.enqueue("echo", {"n": n})
    handled = 0
    while handled < sample:  # what the event source does: receive 10, invoke, delete the batch
        answer = sqs.receive_message(QueueUrl=stack.outputs["QueueUrl"], MaxNumberOfMessages=10)
        records = [{"messageId": m["MessageId"], "body": m["Body"]} for m in answer.get("Messages", [])]
        queue.consumer_handler({"Records": records})
        sqs.delete_message_batch(QueueUrl=stack.outputs["QueueUrl"],
                                 Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(answer["Messages"])])
        handled += len(records)
    return metered.read_units / sample, metered.write_units / sample, sqs.requests / sample


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--round", type=int, default=50, help="jobs enqueued between deliveries (default 50)")
    args = parser.parse_args(argv)
    jobs, runs = (500, 1) if args.quick else (2000, 3)
    with Cloud.embedded(clock=VirtualClock()) as cloud:
        stack = cloud.deploy("job-queue", stack_name="bench-job-queue")
        throughput(cloud, stack, 100, args.round)  # warm-up: cold starts, imports
        measured = [throughput(cloud, stack, jobs, args.round) for _ in range(runs)]
        batched = [throughput(cloud, stack, jobs, args.round, batched=True) for _ in range(runs)]
        load = os.getloadavg()[0]
        unit_stack = cloud.deploy("job-queue", stack_name="bench-job-queue-units")
        rru, wru, sqs_requests = units_per_job(cloud, unit_stack)
    ddb_cost = (rru * PRICES.usd("dynamodb/read_units") + wru * PRICES.usd("dynamodb/write_units")) * 1e6
    sqs_cost = sqs_requests * PRICES.usd("sqs/requests") * 1e6
    lambda_cost = 0.1 * PRICES.usd("lambda/requests") * 1e6  # one worker invocation per 10 jobs
    print(f"Job queue on the embedded target — {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {time.strftime('%Y-%m-%d')}, load average {load:.1f}\n")
    print("| benchmark | result | target |\n|---|---:|---|")
    print(f"| `echo` jobs, enqueue → COMPLETED ({jobs} jobs × {runs} run{'s' if runs > 1 else ''}, rounds of "
          f"{args.round}) | {' / '.join(f'{r:.0f}' for r, _ in measured)} jobs/s (median "
          f"{statistics.median(r for r, _ in measured):.0f}) | ≥ 300 jobs/s |")
    print(f"| the same with `enqueue_many` (BatchWriteItem, SendMessageBatch) per round | "
          f"{' / '.join(f'{r:.0f}' for r, _ in batched)} jobs/s, {' / '.join(f'{c:.1f}' for _, c in batched)} ms CPU "
          f"per job | ≥ 300 jobs/s |")
    print(f"| CPU time of this process per job, `enqueue` (bounds jobs/s under one interpreter lock) | "
          f"{' / '.join(f'{c:.1f}' for _, c in measured)} ms | ≤ 3.3 ms for 300/s |")
    print(f"| DynamoDB units per job (table + 2 indexes) | {rru:.1f} RRU + {wru:.1f} WRU | — |")
    print(f"| SQS requests per job (send, receive and delete in batches of 10) | {sqs_requests:.2f} | — |")
    print(f"| cost per million jobs: DynamoDB / SQS / Lambda requests | ${ddb_cost:.2f} / ${sqs_cost:.2f} / "
          f"${lambda_cost:.2f} (+ Lambda GB-s) | on-demand prices of {PRICES.as_of}, {PRICES.region} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
