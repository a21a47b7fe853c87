"""API Gateway front door benchmark: requests/s and latency through the HTTP front door to the
orders Lambda (GET /orders/{id}: API key + usage plan, Lambda proxy, Powertools, DynamoDB),
printed as a Markdown table.

    python benchmarks/api_gateway.py                 # 16 connections, 10 s
    python benchmarks/api_gateway.py --quick         # 3 s
    python benchmarks/api_gateway.py --profile       # also profile the serving process, every thread (yappi)

The api-gateway pattern is deployed embedded (wall clock) and served on a local port; a separate
load-generator process (this script with ``--load``) opens N keep-alive HTTP/1.1 connections,
one thread each, and sends requests back to back for the duration after a warm-up. Every
answer must be a 200 with the order asked for, or the run is invalid (exit 1). The serving
process's own CPU time over the run, divided by the requests it served, is reported too: it is
what bounds requests/s when every request runs under one interpreter lock.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import http.client
import json
import os
import platform
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.foundation import percentile  # noqa: E402

TARGET_RPS, TARGET_P99_MS = 1000.0, 25.0


# -- the load generator (its own process) -------------------------------------------------------
def load(url: str, key: str, ids: list[str], connections: int, seconds: float, warmup: float,
         route: str = "orders") -> dict[str, Any]:
    host_port, _, base = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    sent = [0] * connections
    errors: list[str] = []
    start_at = time.perf_counter() + 0.2
    measure_from, stop_at = start_at + warmup, start_at + warmup + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        mine = latencies[index]
        n = index
        while time.perf_counter() < start_at:
            time.sleep(0.001)
        while True:
            order_id = ids[n % len(ids)]
            n += connections
            began = time.perf_counter()
            if began >= stop_at:
                break
            path = f"/{base}/orders/{order_id}" if route == "orders" else f"/{base}/health"
            try:
                conn.request("GET", path, headers={"x-api-key": key})
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"connection {index}: {exc}")
                return
            took = time.perf_counter() - began
            sent[index] += 1
            expected = order_id if route == "orders" else None
            if response.status != 200 or json.loads(body).get("id") != expected:
                errors.append(f"{response.status}: {body[:200]!r}")
                return
            if began >= measure_from:
                mine.append(took * 1000)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    samples = [ms for per in latencies for ms in per]
    return {"requests": len(samples), "served": sum(sent), "seconds": seconds, "latencies_ms": samples,
            "errors": errors[:5]}


# -- the serving side ---------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


ROUTES = {"orders": "GET /orders/{id}: key + usage plan, Lambda proxy, Powertools, DynamoDB GetItem",
          "health": "GET /health: MOCK integration (the front door alone, no Lambda)"}


def run(connections: int, seconds: float, warmup: float, profile: bool) -> tuple[dict[str, dict[str, Any]], str]:
    from infra.cloud import Cloud
    from infra.compute.clock import WallClock
    from patterns.api_gateway import workload
    from patterns.api_client import api_url, call

    with Cloud.embedded(clock=WallClock()) as cloud:
        stack = cloud.deploy("api-gateway", parameters={"LegacyBackendUrl": f"http://127.0.0.1:{_free_port()}"})
        url, key = api_url(cloud, stack), workload.api_key(cloud, stack)
        ids = [call("POST", f"{url}/orders", {"item": f"item {i}", "quantity": 1}, {"x-api-key": key}).body["id"]
               for i in range(50)]
        yappi = _profiler() if profile else None
        results, report = {}, ""
        runs = [("orders", connections), ("health", connections), ("orders", 1)]
        for run_index, (route, count) in enumerate(runs if yappi is None else [runs[0], *runs]):
            profiling = yappi is not None and run_index == 0  # an extra run, profiled, left out of the table
            if profiling:
                yappi.start()
            cpu_before = _cpu_seconds()
            generator = subprocess.run(
                [sys.executable, __file__, "--load", url, "--key", key, "--ids", ",".join(ids), "--route", route,
                 "--connections", str(count), "--seconds", str(seconds), "--warmup", str(warmup)],
                capture_output=True, text=True, timeout=seconds + warmup + 120)
            cpu = _cpu_seconds() - cpu_before
            if profiling:
                yappi.stop()
                report = _profile_report(yappi)
            if generator.returncode != 0:
                raise SystemExit(f"the load generator failed: {generator.stderr[-2000:]}")
            result = json.loads(generator.stdout)
            result["cpu_ms_per_request"] = cpu * 1000 / max(1, result["served"])
            if profiling and result["errors"]:
                raise SystemExit(f"invalid run (profiled): {result['errors']}")
            if not profiling:
                results[f"{route}/{count}"] = result
    return results, report


def _cpu_seconds() -> float:
    """This process's CPU time (every thread), not its children's."""
    times = os.times()
    return times.user + times.system


def _profiler() -> Any:
    try:
        import yappi
    except ImportError:
        raise SystemExit("--profile needs yappi (every thread's CPU time): pip install yappi") from None
    yappi.set_clock_type("cpu")
    yappi.clear_stats()
    return yappi


def _profile_report(yappi: Any) -> str:
    """Own CPU time by package and by function, every thread of the serving process (profiled
    figures: the profiler's overhead inflates small functions)."""
    stats = list(yappi.get_func_stats())
    total = sum(s.tsub for s in stats) or 1.0
    packages: collections.Counter[str] = collections.Counter()
    for s in stats:
        module = re.sub(r"^.*/lib/python\d+\.\d+/(site-packages/)?", "", s.module.replace(os.sep, "/"))
        module = module.removeprefix(str(ROOT) + "/")
        packages[module.split("/", 1)[0].removesuffix(".py") or "(C functions)"] += s.tsub
    lines = ["own CPU time by package (every thread):"]
    lines += [f"  {t / total * 100:5.1f}%  {name}" for name, t in packages.most_common(15)]
    lines.append("top functions by own CPU time:")
    for s in sorted(stats, key=lambda s: -s.tsub)[:25]:
        lines.append(f"  {s.tsub / total * 100:5.1f}%  {s.ncall:>8}  {s.full_name[-100:]}")
    return "\n".join(lines)


def table(results: dict[str, dict[str, Any]], connections: int, seconds: float) -> str:
    verdict = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    lines = [
        f"api-gateway front door, keep-alive connections from a separate process, {seconds:.0f} s "
        f"after warm-up; {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
        f"{datetime.date.today().isoformat()}",
        "",
        "| route | connections | requests/s | p50 | p99 | requests | server CPU / request | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, result in results.items():
        route, count = name.split("/")
        samples = result["latencies_ms"]
        rps = result["requests"] / result["seconds"]
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        target = (f"≥ {TARGET_RPS:,.0f}/s {verdict(rps >= TARGET_RPS)}, p99 ≤ {TARGET_P99_MS:.0f} ms "
                  f"{verdict(p99 <= TARGET_P99_MS)}") if route == "orders" and int(count) == connections else "reference"
        lines.append(f"| {ROUTES[route]} | {count} | {rps:,.0f} | {p50:.1f} ms | {p99:.1f} ms | {result['requests']:,} "
                     f"| {result['cpu_ms_per_request']:.2f} ms | {target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s instead of 10 s")
    parser.add_argument("--profile", action="store_true", help="profile the serving process (needs yappi)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--load", help=argparse.SUPPRESS)  # the load generator's own invocation
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    parser.add_argument("--route", default="orders", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    if args.load:
        print(json.dumps(load(args.load, args.key, args.ids.split(","), args.connections, seconds, args.warmup,
                              args.route)))
        return 0
    results, report = run(args.connections, seconds, args.warmup, args.profile)
    for name, result in results.items():
        route = name
        if result["errors"] or not result["requests"]:
            print(f"invalid run ({route}): {result['errors'] or 'no requests measured'}", file=sys.stderr)
            return 1
    print(table(results, args.connections, seconds))
    if report:
        print("\n```\n" + report + "\n```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
