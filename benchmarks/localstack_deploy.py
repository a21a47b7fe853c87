"""Time to deploy (and destroy) each pattern: embedded target vs a real LocalStack.

    python benchmarks/localstack_deploy.py [--runs 3]

Uses the LocalStack endpoint found the way localstack-client finds it (AWS_ENDPOINT_URL, else
LOCALSTACK_HOST, default localhost:4566); when none answers, starts the project's own
(``infra.localstack``, host mode, no Docker) on a free port and stops it afterwards.
Embedded deploys go through the toolkit's own deployer into moto in-process; LocalStack deploys
go through LocalStack's CloudFormation (with the template packaged into its S3 first).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.foundation import machine, percentile  # noqa: E402
from infra import registry  # noqa: E402
from infra.cloud import Cloud  # noqa: E402
from infra.exceptions import EndpointUnreachableError, ToolkitError  # noqa: E402
from infra.localstack import LocalStackHost, free_port  # noqa: E402
from infra.targets import localstack_endpoint, resolve, check_reachable  # noqa: E402


def deploy_and_destroy(cloud: Cloud, pattern: str) -> tuple[float, float, int]:
    """Seconds to deploy, seconds to destroy, resources deployed."""
    started = time.perf_counter()
    stack = cloud.deploy(pattern, stack_name=f"bench-{uuid.uuid4().hex[:6]}")
    deployed = time.perf_counter()
    cloud.destroy(stack.name)
    return deployed - started, time.perf_counter() - deployed, len(stack.resources)


def measure(open_cloud, pattern: str, runs: int) -> tuple[list[float], list[float], int]:
    deploys, destroys, resources = [], [], 0
    with open_cloud() as cloud:
        deploy_and_destroy(cloud, pattern)  # warm-up: first imports, LocalStack's lazy service start
        for _ in range(runs):
            deploy_s, destroy_s, resources = deploy_and_destroy(cloud, pattern)
            deploys.append(deploy_s)
            destroys.append(destroy_s)
    return deploys, destroys, resources


def fmt(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} s (p90 {percentile(samples, 0.9):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="measured deploys per pattern and target (default 3)")
    args = parser.parse_args(argv)

    endpoint = localstack_endpoint()
    host = None
    try:
        check_reachable(resolve("localstack", endpoint))
    except EndpointUnreachableError:
        host = LocalStackHost(port=free_port(), log=lambda message: print(message, file=sys.stderr))
        endpoint = host.start()
    try:
        print("# Deploy time: embedded vs LocalStack\n")
        print(machine())
        print(f"- LocalStack: {endpoint}" + (" (started by this script, host mode)" if host else "") + "\n")
        print("| pattern | resources | embedded deploy | LocalStack deploy | embedded destroy | LocalStack destroy |")
        print("|---|---:|---:|---:|---:|---:|")
        for pattern in registry.all_patterns():
            embedded = measure(Cloud.embedded, pattern.name, args.runs)
            try:
                localstack = measure(lambda: Cloud.remote("localstack", endpoint), pattern.name, args.runs)
                on_localstack = (fmt(localstack[0]), fmt(localstack[1]))
            except ToolkitError as exc:  # e.g. API Gateway v2, which community LocalStack lacks
                reason = str(exc).split(": ", 1)[-1][:90]
                on_localstack = (f"not deployable: {reason}", "—")
            print(f"| {pattern.name} | {embedded[2]} | {fmt(embedded[0])} | {on_localstack[0]} "
                  f"| {fmt(embedded[1])} | {on_localstack[1]} |", flush=True)
        print(f"\nmedian of {args.runs} runs after one warm-up each; deploy includes packaging the code "
              f"and uploading it to the target's S3.")
    finally:
        if host is not None:
            host.stop(quiet=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
