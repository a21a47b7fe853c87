"""CloudFront front door benchmark: requests/s and latency through a distribution served on a
local port, on cache hits and on misses, printed as a Markdown table with the load average.

    python benchmarks/cloudfront.py                # 16 connections, 10 s a row
    python benchmarks/cloudfront.py --quick        # 3 s a row

The static-offload pattern is deployed embedded (wall clock), its site published, and its
distribution served on a local port; a separate load-generator process (this script with
``--load``) opens N keep-alive HTTP/1.1 connections, one thread each, and sends GETs back to back
after a warm-up. Every answer must be a 200 with the X-Cache the row expects, or the run is
invalid (exit 1). Rows: hits (``/app.js``, in the edge cache), S3 misses (a different object each
request, read through the origin access control) and API misses (``/api/products``: CachingDisabled,
API Gateway -> Lambda -> DynamoDB every time).
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
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.foundation import percentile  # noqa: E402

TARGET_HIT_RPS = 3000.0
ROWS = {  # name -> (paths the load generator cycles through, the X-Cache every answer must carry)
    "hits": ("/app.js", "Hit from cloudfront"),
    "s3-misses": ("/objects/{n}.txt", "Miss from cloudfront"),
    "api-misses": ("/api/products", "Miss from cloudfront"),
}


# -- the load generator (its own process) -------------------------------------------------------
def load(url: str, path: str, expected_cache: str, connections: int, seconds: float, warmup: float,
         first: int) -> dict[str, Any]:
    host, _, port = url.removeprefix("http://").partition(":")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors: list[str] = []
    start_at = time.perf_counter() + 0.2
    measure_from, stop_at = start_at + warmup, start_at + warmup + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        mine, n = latencies[index], first + index
        while time.perf_counter() < start_at:
            time.sleep(0.001)
        while True:
            began = time.perf_counter()
            if began >= stop_at:
                break
            try:
                conn.request("GET", path.format(n=n))
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"connection {index}: {exc}")
                return
            n += connections
            if response.status != 200 or response.headers.get("X-Cache") != expected_cache:
                errors.append(f"{path.format(n=n)}: {response.status} {response.headers.get('X-Cache')}")
                return
            if began >= measure_from:
                mine.append(time.perf_counter() - began)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [x for per in latencies for x in per]
    return {"requests": len(every), "seconds": seconds, "errors": errors[:5],
            "p50_ms": percentile(every, 0.5) * 1000 if every else 0.0,
            "p99_ms": percentile(every, 0.99) * 1000 if every else 0.0}


# -- the serving process ------------------------------------------------------------------------
def measure(row: str, url: str, connections: int, seconds: float, warmup: float, first: int) -> dict[str, Any]:
    path, expected = ROWS[row]
    load_before = os.getloadavg()[0]
    generator = subprocess.run(
        [sys.executable, __file__, "--load", url, "--path", path, "--expect", expected, "--connections",
         str(connections), "--seconds", str(seconds), "--warmup", str(warmup), "--first", str(first)],
        capture_output=True, text=True, check=True)
    result = json.loads(generator.stdout)
    result["load_average"] = (load_before + os.getloadavg()[0]) / 2
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s a row instead of 10")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--expect", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load:
        print(json.dumps(load(args.load, args.path, args.expect, args.connections, args.seconds, args.warmup,
                              args.first)))
        return 0

    from infra.cloud import Cloud
    from infra.compute.clock import WallClock
    from patterns.static_offload import workload

    seconds = 3.0 if args.quick else 10.0
    objects = 12_000 if not args.quick else 4_000  # more than the S3-miss row can ask for
    with Cloud.embedded(clock=WallClock()) as cloud:
        stack = cloud.deploy("static-offload")
        workload.publish(cloud, stack["SiteBucketName"], stack["ProductsTable"])
        s3 = cloud.client("s3")
        for n in range(objects):
            s3.put_object(Bucket=stack["SiteBucketName"], Key=f"objects/{n}.txt", Body=f"object {n}\n".encode(),
                          ContentType="text/plain")
        url = cloud.distribution_url(stack["DistributionId"])
        warm = http.client.HTTPConnection(url.removeprefix("http://"))
        warm.request("GET", "/app.js")  # the hit row's object in the edge cache
        warm.getresponse().read()
        warm.close()
        results = {row: measure(row, url, args.connections, seconds, 1.0, 0) for row in ROWS}
    bad = {row: r["errors"] for row, r in results.items() if r["errors"]}
    today = datetime.date.today().isoformat()
    print(f"CloudFront front door, {args.connections} keep-alive connections, {seconds:.0f} s a row; "
          f"{today}, {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores")
    print()
    print("| requests | requests/s | p50 | p99 | load average (1 min) | target |")
    print("|---|---:|---:|---:|---:|---|")
    for row, r in results.items():
        rps = r["requests"] / r["seconds"]
        target = (f"≥ {TARGET_HIT_RPS:,.0f}/s: {'met' if rps >= TARGET_HIT_RPS else '**missed**'}" if row == "hits"
                  else "reference")
        print(f"| {row} | {rps:,.0f} | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['load_average']:.1f} | {target} |")
    if bad:
        print(f"\ninvalid run: {bad}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
