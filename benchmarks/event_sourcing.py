"""Event sourcing benchmark: events/s end to end and the lag from accepted to visible in the read
model, for the ledger on Kinesis (1 and 4 shards) and on SQS FIFO. Prints a Markdown table.

    python benchmarks/event_sourcing.py            # 5,000 events per Kinesis row (a few minutes)
    python benchmarks/event_sourcing.py --quick    # 1,000

Each row deploys the pattern embedded on the wall clock with the event sources polling in the
background (as ``serve`` and ``up`` run them), writes the transactions over 20 accounts, and
waits until the read model shows them all. Producers write straight to the transport in batches
(Kinesis PutRecords of 500, SQS SendMessageBatch of 10) so that ingress is not what is measured;
the HTTP row posts through API Gateway's direct integration (the front door in this process, 16
keep-alive-less client threads) instead. "accepted" is the record's arrival (Kinesis) or the
message's SentTimestamp (SQS), carried on each event as ``acceptedAt``; "visible" is when a
watcher scanning the read model every 20 ms first saw the account's version reach the event's.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from functions.event_sourcing.ledger.projection import ReadModel  # noqa: E402
from functions.event_sourcing.ledger.store import EventStore  # noqa: E402
from infra.cloud import Cloud  # noqa: E402
from infra.compute.clock import WallClock  # noqa: E402

ACCOUNTS = [f"acct-{i:03d}" for i in range(20)]


def transactions(count: int, tag: str) -> list[tuple[str, dict[str, Any]]]:
    return [(ACCOUNTS[i % len(ACCOUNTS)], {"transactionId": f"{tag}-{i}", "type": "deposit" if i % 4 else "withdraw",
                                           "amount": 100 + i % 7}) for i in range(count)]


class Watcher:
    """Scans the read model every 20 ms; remembers when each account's version was first seen."""

    def __init__(self, model: ReadModel) -> None:
        self.model = model
        self.seen: dict[str, int] = {}
        self.visible: dict[tuple[str, int], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Watcher":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            now = time.time()
            for account, state in self.model.all().items():
                for version in range(self.seen.get(account, 0) + 1, state["version"] + 1):
                    self.visible[(account, version)] = now
                self.seen[account] = max(self.seen.get(account, 0), state["version"])

    def total(self) -> int:
        return sum(self.seen.values())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def put_kinesis(cloud: Cloud, outputs: dict[str, str], txns: list[tuple[str, dict[str, Any]]]) -> None:
    kinesis = cloud.client("kinesis")
    for start in range(0, len(txns), 500):
        kinesis.put_records(StreamName=outputs["CommandStreamName"], Records=[
            {"PartitionKey": account, "Data": json.dumps(body).encode()} for account, body in txns[start:start + 500]])


def send_fifo(cloud: Cloud, outputs: dict[str, str], txns: list[tuple[str, dict[str, Any]]]) -> None:
    sqs = cloud.client("sqs")
    for start in range(0, len(txns), 10):
        sqs.send_message_batch(QueueUrl=outputs["CommandQueueUrl"], Entries=[
            {"Id": str(n), "MessageBody": json.dumps(body), "MessageGroupId": account,
             "MessageDeduplicationId": body["transactionId"]}
            for n, (account, body) in enumerate(txns[start:start + 10])])


def post_http(cloud: Cloud, outputs: dict[str, str], txns: list[tuple[str, dict[str, Any]]]) -> None:
    url = cloud.api_url(outputs["ApiId"], outputs["ApiStage"])

    def post(item: tuple[str, dict[str, Any]]) -> int:
        account, body = item
        request = urllib.request.Request(f"{url}/accounts/{account}/transactions", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(post, txns))
    if any(status != 202 for status in statuses):
        raise RuntimeError(f"{sum(s != 202 for s in statuses)} posts were not accepted")


def measure(pattern: str, parameters: dict[str, str], count: int, ingress: str, timeout: float) -> dict[str, Any]:
    with Cloud.embedded(clock=WallClock()) as cloud:
        stack = cloud.deploy(pattern, parameters, stack_name=f"bench-{uuid.uuid4().hex[:6]}")
        outputs = stack.outputs
        assert cloud.plane is not None
        cloud.plane.start()
        ddb = cloud.client("dynamodb")
        watcher = Watcher(ReadModel(ddb, outputs["AccountsTableName"])).start()
        txns = transactions(count, uuid.uuid4().hex[:6])
        write = {"kinesis": put_kinesis, "fifo": send_fifo, "http": post_http}[ingress]
        started = time.time()
        write(cloud, outputs, txns)
        ingress_seconds = time.time() - started
        deadline = time.monotonic() + timeout
        while watcher.total() < count and time.monotonic() < deadline:
            time.sleep(0.05)
        finished = time.time()
        watcher.stop()
        events = list(EventStore(ddb, outputs["EventsTableName"], outputs["TransactionsTableName"]).all_events())
        lags = sorted(watcher.visible[(e["account"], e["version"])] - e["acceptedAt"] / 1000.0
                      for e in events if (e["account"], e["version"]) in watcher.visible)
    done = watcher.total()
    return {"events": done, "of": count, "ingress_per_s": count / ingress_seconds,
            "per_s": done / (finished - started), "p50": lags[len(lags) // 2] if lags else float("nan"),
            "p99": lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else float("nan")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    kinesis_events = 1000 if args.quick else 5000
    fifo_events = 500 if args.quick else 2000
    rows = [
        ("Kinesis, 1 shard, BatchSize 100, PutRecords", "event-sourcing-kinesis", {"ShardCount": "1"}, kinesis_events, "kinesis"),
        ("Kinesis, 4 shards, BatchSize 100, PutRecords", "event-sourcing-kinesis", {"ShardCount": "4"}, kinesis_events, "kinesis"),
        ("Kinesis, 4 shards, through API Gateway (HTTP)", "event-sourcing-kinesis", {"ShardCount": "4"}, fifo_events, "http"),
        ("SQS FIFO, BatchSize 1, SendMessageBatch", "event-sourcing-fifo", {"BatchSize": "1"}, fifo_events, "fifo"),
        ("SQS FIFO, BatchSize 10, SendMessageBatch", "event-sourcing-fifo", {"BatchSize": "10"}, fifo_events, "fifo"),
        ("SQS FIFO, BatchSize 1, through API Gateway (HTTP)", "event-sourcing-fifo", {"BatchSize": "1"}, fifo_events // 2, "http"),
    ]
    print(f"event sourcing, embedded, {date.today().isoformat()}, Python {platform.python_version()}, "
          f"{platform.machine()}, {len(ACCOUNTS)} accounts")
    print("| transport | events | ingress events/s | end-to-end events/s | lag p50 | lag p99 |")
    print("|---|---|---|---|---|---|")
    for name, pattern, parameters, count, ingress in rows:
        parameters = {"BatchSize": "100", **parameters} if pattern.endswith("kinesis") else parameters
        result = measure(pattern, parameters, count, ingress, timeout=max(120.0, count / 10))
        done = f"{result['events']}" + ("" if result["events"] == result["of"] else f" of {result['of']} (timed out)")
        print(f"| {name} | {done} | {result['ingress_per_s']:,.0f} | {result['per_s']:,.0f} | "
              f"{result['p50'] * 1000:,.0f} ms | {result['p99'] * 1000:,.0f} ms |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
