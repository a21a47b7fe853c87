"""Soak: resident memory of `serve` over 100,000 requests and of `up` over 10,000 deliveries,
printed as Markdown tables (requests done, RSS, growth since warm-up).

    python benchmarks/soak.py                  # serve: 100,000 requests; up: 10,000 deliveries
    python benchmarks/soak.py --quick          # serve: 10,000; up: 2,000
    python benchmarks/soak.py --only serve     # one of the two

Both servers run as the user runs them, as their own process (``python samplecli.py serve
api-gateway --port P`` and ``python samplecli.py up --port P``) on free ports of 127.0.0.1; this
script sends the traffic and reads the server's resident memory (``VmRSS`` in
``/proc/<pid>/status``) after every interval.

- serve: keep-alive connections (a thread each) alternate ``GET /orders/{id}`` (API key, usage
  plan, the orders Lambda, DynamoDB GetItem) and ``GET /health`` (MOCK integration); every answer
  must be a 200 with the body asked for.
- up: a small SAM app (``tests/sample_app``: SQS → Lambda → DynamoDB) is deployed into the
  endpoint with ``samplecli.py deploy --target local``; messages go in by ``SendMessageBatch``
  with boto3 and are consumed by the function through the event source mapping. Order ids repeat
  over a fixed set, so the table (what an AWS account would keep too) stays the same size: growth
  is the toolkit's or moto's own.

Warm-up is the first tenth of the run; growth is measured from the sample there. The target:
growth levels off, under 50 MB after warm-up. Every loop is bounded in count and in time
(``--max-minutes``; a run cut short says so and fails).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra.ports import free_port  # noqa: E402

TARGET_GROWTH_MB = 50.0
HOST = "127.0.0.1"
SAMPLE_APP = ROOT / "tests" / "sample_app"
DISTINCT_ORDERS = 200  # the up workload's order ids cycle over these


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    if match is None:
        raise SystemExit(f"no VmRSS for process {pid}")
    return int(match.group(1)) / 1024


@dataclass
class Soak:
    """RSS samples of one server over a run: (work done, MB, seconds since start)."""
    name: str
    unit: str
    total: int
    samples: list[tuple[int, float, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # a request or delivery that failed: the run stops
    wrong: list[str] = field(default_factory=list)  # answers that were not the one asked for: counted, the run goes on
    cut_short: str = ""

    @property
    def warm_up(self) -> tuple[int, float, float]:
        """The first sample at or past a tenth of the run."""
        return next(s for s in self.samples if s[0] >= self.total // 10)

    def growth_mb(self) -> float:
        return self.samples[-1][1] - self.warm_up[1]

    def late_growth_mb(self) -> float:
        """Growth over the second half of the run after warm-up: near zero when memory levels off."""
        done_at_warm_up = self.warm_up[0]
        midpoint = done_at_warm_up + (self.samples[-1][0] - done_at_warm_up) // 2
        middle = next(s for s in self.samples if s[0] >= midpoint)
        return self.samples[-1][1] - middle[1]

    def ok(self) -> bool:
        return (not self.errors and not self.wrong and not self.cut_short and len(self.samples) > 1
                and self.growth_mb() < TARGET_GROWTH_MB)

    def sample(self, pid: int, interval: int, minutes: float, step: Callable[[int, int, float], bool],
               say: Callable[[str], None]) -> int:
        """Run ``step(done, batch, deadline)`` batch after batch (it answers False to stop), sampling
        the server's RSS after each, until ``total`` work is done or ``minutes`` have passed; the work done."""
        deadline = time.monotonic() + minutes * 60
        started = time.monotonic()
        self.samples.append((0, rss_mb(pid), 0.0))
        done = 0
        while done < self.total and _bounded(deadline, self):
            batch = min(interval, self.total - done)
            if not step(done, batch, deadline):
                break
            done += batch
            self.samples.append((done, rss_mb(pid), time.monotonic() - started))
            say(f"{self.name}: {done:,} {self.unit}, RSS {self.samples[-1][1]:.1f} MB")
        return done


# -- the server under test (its own process) ----------------------------------------------------
@dataclass
class Server:
    process: subprocess.Popen[str]
    lines: list[str]

    def find(self, pattern: str) -> str:
        for line in self.lines:
            match = re.search(pattern, line)
            if match:
                return match.group(1)
        raise SystemExit(f"the server did not print {pattern!r}: {self.lines[-20:]}")


@contextmanager
def server(argv: list[str], ready: str, timeout: float = 180.0) -> Iterator[Server]:
    """``python samplecli.py ARGV`` until it prints ``ready``; its output is drained on a thread
    (``up`` prints a line per invocation); Ctrl-C (SIGINT) stops it, as a user would."""
    process = subprocess.Popen([sys.executable, str(ROOT / "samplecli.py"), *argv], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    is_ready = threading.Event()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if len(lines) < 500:  # the banner and the first invocations; the rest is read and dropped
                lines.append(line.rstrip())
            if ready in line:
                is_ready.set()
        is_ready.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        if not is_ready.wait(timeout) or process.poll() is not None:
            raise SystemExit(f"{' '.join(argv)} did not start: {lines[-20:]}")
        yield Server(process, lines)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _bounded(deadline: float, soak: Soak) -> bool:
    if time.monotonic() > deadline:
        soak.cut_short = f"stopped at the time bound after {soak.samples[-1][0]:,} {soak.unit}"
        return False
    return True


# -- serve: the HTTP front door -----------------------------------------------------------------
def soak_serve(total: int, interval: int, connections: int, minutes: float, say: Callable[[str], None]) -> Soak:
    soak = Soak("serve", "requests", total)
    port = free_port()
    argv = ["serve", "api-gateway", "--port", str(port), "--ws-port", "0", "--cdn-port", "0",
            "--parameter", f"LegacyBackendUrl=http://{HOST}:{free_port()}"]
    with server(argv, "Ctrl-C stops") as running:
        key = running.find(r"demo API key: (\S+)")
        base = running.find(r"REST API \S+: http://[^/]+(/\S+)")
        ids = [_post_order(port, base, key, i) for i in range(50)]
        clients = [http.client.HTTPConnection(HOST, port, timeout=30) for _ in range(connections)]

        def step(done: int, batch: int, _deadline: float) -> bool:
            _requests(clients, base, key, ids, done, batch, soak.errors, soak.wrong)
            return not soak.errors

        soak.sample(running.process.pid, interval, minutes, step, say)
        for client in clients:
            client.close()
    return soak


def _post_order(port: int, base: str, key: str, index: int) -> str:
    client = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        client.request("POST", f"{base}/orders", json.dumps({"item": f"item {index}", "quantity": 1}),
                       {"x-api-key": key, "Content-Type": "application/json"})
        response = client.getresponse()
        body = response.read()
        if response.status not in (200, 201):
            raise SystemExit(f"POST /orders answered {response.status}: {body[:200]!r}")
        return str(json.loads(body)["id"])
    finally:
        client.close()


def _requests(clients: list[http.client.HTTPConnection], base: str, key: str, ids: list[str],
              first: int, count: int, errors: list[str], wrong: list[str]) -> None:
    """``count`` requests spread over the connections, each answer checked: a connection that
    fails stops its thread (``errors``); a wrong answer is recorded (``wrong``) and the run goes on."""
    def worker(index: int) -> None:
        client = clients[index]
        for n in range(first + index, first + count, len(clients)):
            order_id = ids[n % len(ids)] if n % 2 == 0 else None
            path = f"{base}/orders/{order_id}" if order_id else f"{base}/health"
            try:
                client.request("GET", path, headers={"x-api-key": key})
                response = client.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"request {n}: {exc!r}")
                return
            if response.status != 200 or json.loads(body).get("id") != order_id:
                wrong.append(f"request {n} ({path}): {response.status} {body[:200]!r}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# -- up: the local endpoint ---------------------------------------------------------------------
def soak_up(total: int, interval: int, minutes: float, say: Callable[[str], None]) -> Soak:
    import boto3

    soak = Soak("up", "deliveries", total)
    port = free_port()
    url = f"http://{HOST}:{port}"
    with server(["up", "--port", str(port), "--ws-port", str(free_port())], "Ctrl-C stops") as running:
        deployed = subprocess.run(
            [sys.executable, str(ROOT / "samplecli.py"), "deploy", str(SAMPLE_APP), "--target", "local",
             "--endpoint-url", url], cwd=ROOT, capture_output=True, text=True, timeout=300)
        if deployed.returncode != 0:
            raise SystemExit(f"deploying {SAMPLE_APP} into up failed: {deployed.stdout[-1000:]}{deployed.stderr[-2000:]}")
        session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
        outputs = dict(re.findall(r"^  (\w+): (\S+)$", deployed.stdout, re.MULTILINE))  # deploy prints them
        sqs = session.client("sqs", endpoint_url=url)

        def step(done: int, batch: int, deadline: float) -> bool:
            for first in range(done, done + batch, 10):
                entries = [{"Id": str(n - first), "MessageBody": json.dumps(
                    {"id": str(n % DISTINCT_ORDERS), "item": f"item {n}"})}
                    for n in range(first, min(first + 10, done + batch))]
                sqs.send_message_batch(QueueUrl=outputs["QueueUrl"], Entries=entries)
            if not _drained(sqs, outputs["QueueUrl"], deadline):
                soak.cut_short = f"the queue did not drain after {done + batch:,} messages sent"
                return False
            return True

        done = soak.sample(running.process.pid, interval, minutes, step, say)
        dead = sqs.get_queue_attributes(QueueUrl=outputs["DeadLetterQueueUrl"],
                                        AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        if int(dead["ApproximateNumberOfMessages"]):
            soak.errors.append(f"{dead['ApproximateNumberOfMessages']} messages in the dead-letter queue")
        count = session.client("dynamodb", endpoint_url=url).scan(TableName=outputs["TableName"], Select="COUNT")["Count"]
        if done and count != min(done, DISTINCT_ORDERS):
            soak.errors.append(f"{count} orders recorded, expected {min(done, DISTINCT_ORDERS)}")
    return soak


def _drained(sqs: Any, queue_url: str, deadline: float) -> bool:
    """Every message sent so far received and deleted by the event source mapping."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
        if not any(int(attributes[name]) for name in names):
            return True
        time.sleep(0.2)  # real time: the endpoint runs on the wall clock
    return False


# -- the report ---------------------------------------------------------------------------------
def table(soak: Soak, rows: int = 10) -> str:
    warm_done, warm_mb, _ = soak.warm_up
    step = max(1, len(soak.samples) // rows)
    shown = [s for i, s in enumerate(soak.samples) if i % step == 0 or i == len(soak.samples) - 1]
    lines = [f"| {soak.unit} | RSS | growth since warm-up ({warm_done:,} {soak.unit}) | elapsed |",
             "|---:|---:|---:|---:|"]
    for done, mb, seconds in shown:
        growth = f"{mb - warm_mb:+.1f} MB" if done >= warm_done else "(warm-up)"
        lines.append(f"| {done:,} | {mb:.1f} MB | {growth} | {seconds:.0f} s |")
    verdict = "met" if soak.ok() else "**missed**"
    lines.append("")
    lines.append(f"{soak.name}: growth after warm-up {soak.growth_mb():+.1f} MB "
                 f"({soak.late_growth_mb():+.1f} MB over the second half); "
                 f"target < {TARGET_GROWTH_MB:.0f} MB: {verdict}")
    if soak.cut_short:
        lines.append(f"{soak.name}: {soak.cut_short}")
    for error in soak.errors[:5]:
        lines.append(f"{soak.name}: error: {error}")
    if soak.wrong:
        lines.append(f"{soak.name}: {len(soak.wrong)} wrong answers, the first: {soak.wrong[0]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 requests and 2,000 deliveries")
    parser.add_argument("--only", choices=["serve", "up"], help="run one of the two")
    parser.add_argument("--requests", type=int, help="serve: requests (default 100,000)")
    parser.add_argument("--deliveries", type=int, help="up: SQS messages delivered (default 10,000)")
    parser.add_argument("--connections", type=int, default=8, help="serve: keep-alive connections")
    parser.add_argument("--max-minutes", type=float, default=60.0, help="time bound of each loop")
    args = parser.parse_args(argv)
    requests = args.requests or (10_000 if args.quick else 100_000)
    deliveries = args.deliveries or (2_000 if args.quick else 10_000)
    if min(requests, deliveries) < 20:
        parser.error("--requests and --deliveries: at least 20 (a warm-up tenth and samples after it)")
    say = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    soaks = []
    if args.only in (None, "serve"):
        soaks.append(soak_serve(requests, max(10, requests // 40), args.connections, args.max_minutes, say))
    if args.only in (None, "up"):
        soaks.append(soak_up(deliveries, max(10, deliveries // 20) // 10 * 10, args.max_minutes, say))
    print(f"Soak, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    for soak in soaks:
        what = ("`serve api-gateway`: GET /orders/{id} and GET /health alternating, "
                f"{args.connections} keep-alive connections" if soak.name == "serve" else
                "`up`: SQS messages consumed by a function (tests/sample_app) through its event source mapping")
        print(f"\n{what}\n\n{table(soak)}")
    return 0 if all(soak.ok() for soak in soaks) else 1


if __name__ == "__main__":
    sys.exit(main())
