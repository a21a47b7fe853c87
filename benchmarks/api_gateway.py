"""API Gateway front door benchmark: requests/s and latency through the HTTP front door to the
orders Lambda (GET /orders/{id}: API key + usage plan, Lambda proxy, Powertools, DynamoDB),
printed as a Markdown table.

    python benchmarks/api_gateway.py                 # 16 connections, 10 s
    python benchmarks/api_gateway.py --quick         # 3 s
    python benchmarks/api_gateway.py --profile       # also profile the serving process, every thread (yappi)
    python benchmarks/api_gateway.py --processes 2   # also: the orders route served by 2 processes (own moto each)
    python benchmarks/api_gateway.py --processes 2 --share-moto   # ... sharing one moto server (samplecli.py up)
    python benchmarks/api_gateway.py --breakdown     # only: where one request's CPU time goes, part by part

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
from infra.ports import free_port

TARGET_RPS, TARGET_P99_MS = 1000.0, 25.0


# -- the load generator (its own process) -------------------------------------------------------
def load(targets: list[dict[str, Any]], connections: int, seconds: float, warmup: float,
         route: str = "orders") -> dict[str, Any]:
    """``targets``: serving processes, each ``{"url", "key", "ids"}``; connection i goes to target i mod n."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    sent = [0] * connections
    errors: list[str] = []
    start_at = time.perf_counter() + 0.2
    measure_from, stop_at = start_at + warmup, start_at + warmup + seconds

    def worker(index: int) -> None:
        target = targets[index % len(targets)]
        key, ids = target["key"], target["ids"]
        host_port, _, base = target["url"].removeprefix("http://").partition("/")
        host, _, port = host_port.partition(":")
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
ROUTES = {"orders": "GET /orders/{id}: key + usage plan, Lambda proxy, Powertools, DynamoDB GetItem",
          "health": "GET /health: MOCK integration (the front door alone, no Lambda)"}


def run(connections: int, seconds: float, warmup: float, profile: bool) -> tuple[dict[str, dict[str, Any]], str]:
    from infra.cloud import Cloud
    from infra.compute.clock import WallClock
    from patterns.api_gateway import workload
    from patterns.api_client import api_url, call

    with Cloud.embedded(clock=WallClock()) as cloud:
        stack = cloud.deploy("api-gateway", parameters={"LegacyBackendUrl": f"http://127.0.0.1:{free_port()}"})
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
            generator = _generate_load([{"url": url, "key": key, "ids": ids}], route, count, seconds, warmup)
            cpu = _cpu_seconds() - cpu_before
            if profiling:
                yappi.stop()
                report = _profile_report(yappi)
            result = generator
            result["cpu_ms_per_request"] = cpu * 1000 / max(1, result["served"])
            if profiling and result["errors"]:
                raise SystemExit(f"invalid run (profiled): {result['errors']}")
            if not profiling:
                results[f"{route}/{count}"] = result
    return results, report


def _generate_load(targets: list[dict[str, Any]], route: str, connections: int, seconds: float,
                   warmup: float) -> dict[str, Any]:
    """Runs the load generator (its own process) and returns its result."""
    generator = subprocess.run(
        [sys.executable, __file__, "--load", json.dumps(targets), "--route", route, "--connections", str(connections),
         "--seconds", str(seconds), "--warmup", str(warmup)],
        capture_output=True, text=True, timeout=seconds + warmup + 120)
    if generator.returncode != 0:
        raise SystemExit(f"the load generator failed: {generator.stderr[-2000:]}")
    return json.loads(generator.stdout)


def _serve_until_stdin_closes() -> None:
    """A serving process of ``--processes N``: deploys api-gateway embedded with its own moto,
    prints its URL, key and order ids as one JSON line, and serves until stdin closes."""
    from infra.cloud import Cloud
    from infra.compute.clock import WallClock
    from patterns.api_gateway import workload
    from patterns.api_client import api_url, call

    with Cloud.embedded(clock=WallClock()) as cloud:
        stack = cloud.deploy("api-gateway", parameters={"LegacyBackendUrl": f"http://127.0.0.1:{free_port()}"})
        url, key = api_url(cloud, stack), workload.api_key(cloud, stack)
        ids = [call("POST", f"{url}/orders", {"item": f"item {i}", "quantity": 1}, {"x-api-key": key}).body["id"]
               for i in range(50)]
        sys.__stdout__.write("serving " + json.dumps({"url": url, "key": key, "ids": ids}) + "\n")
        sys.__stdout__.flush()
        sys.stdin.read()


def _serve_from_endpoint_until_stdin_closes(endpoint: str) -> None:
    """A serving process of ``--processes N --share-moto``: a front door and a compute plane of its
    own whose control plane is the ``up`` endpoint (one moto server shared by every serving process):
    APIs, keys and functions are read from it, handlers' boto3 calls go to it over HTTP. Prints its
    base URL once serving; ends when stdin closes."""
    from infra.compute.clock import WallClock
    from infra.compute.http import FrontDoor
    from infra.compute.http.server import HttpFrontDoorServer
    from infra.compute.plane import ComputePlane
    from infra.compute.remote import ApiFunctionSource
    from infra.targets import resolve

    target = resolve("local", endpoint)
    account = target.client("sts").get_caller_identity()["Account"]
    artifacts = f"toolkit-artifacts-{account}-{target.region}"  # where the deployer put the code

    def fetch(location: str) -> bytes:  # moto's code Location names an S3 host it does not serve
        key = location.split(".amazonaws.com/", 1)[1]
        return target.client("s3").get_object(Bucket=artifacts, Key=key)["Body"].read()

    source, specs = ApiFunctionSource(target.client, fetch), {}

    def function(name: str) -> Any:  # read once: nothing redeploys during the benchmark
        if name not in specs:
            specs[name] = source(name)
        return specs[name]

    plane = ComputePlane(target.client, WallClock(), account, target.region,
                         handler_env=target.handler_environment(), functions=function)
    door = FrontDoor(plane.clients, plane.invoke, plane.clock, account,
                     function_timeout=lambda arn: plane.function(arn).timeout)
    server = HttpFrontDoorServer(door).start()
    try:
        sys.__stdout__.write("serving " + json.dumps({"url": server.url}) + "\n")
        sys.__stdout__.flush()
        sys.stdin.read()
    finally:
        server.stop()
        door.close()
        plane.close()


def _serving(server: subprocess.Popen[str]) -> dict[str, Any]:
    """The target a serving process printed once it was ready (anything it printed before is skipped)."""
    for line in server.stdout:  # type: ignore[union-attr]
        if line.startswith("serving "):
            return json.loads(line.removeprefix("serving "))
    raise SystemExit(f"a serving process ended before serving (exit status {server.wait()})")


def run_processes(processes: int, connections: int, seconds: float, warmup: float,
                  share_moto: bool) -> dict[str, Any]:
    """The orders route served by ``processes`` serving processes, ``connections`` split among them.
    Each with its own in-process moto (nothing shared: the most a second process can give), or
    (``share_moto``) all with the one moto server of a ``samplecli.py up`` process, whose CPU time
    counts too. CPU time is read from /proc (Linux)."""
    children: list[subprocess.Popen[str]] = []
    try:
        if share_moto:
            endpoint = f"http://127.0.0.1:{free_port()}"
            up = subprocess.Popen([sys.executable, str(ROOT / "samplecli.py"), "up", "--port", endpoint.rsplit(":", 1)[1]],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, text=True)
            children.append(up)
            base, key, ids = _deploy_to(endpoint)
            command = ["--serve-from", endpoint]
        else:
            command = ["--serve"]
        servers = [subprocess.Popen([sys.executable, __file__, *command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    text=True) for _ in range(processes)]
        children += servers
        targets = [_serving(server) for server in servers]
        if share_moto:
            targets = [{"url": t["url"] + base, "key": key, "ids": ids} for t in targets]
        cpu = lambda: sum(_process_cpu_seconds(child.pid) for child in children)  # noqa: E731
        _generate_load(targets, "orders", connections, 2.0, 0.0)  # every connection's environment warm (cold starts)
        before = cpu()
        result = _generate_load(targets, "orders", connections, seconds, warmup)
        result["cpu_ms_per_request"] = (cpu() - before) * 1000 / max(1, result["served"])
        return result
    finally:
        for child in children:
            if child.stdin is not None:
                child.stdin.close()
            else:
                child.terminate()
        for child in children:
            child.wait(timeout=60)


def _deploy_to(endpoint: str) -> tuple[str, str, list[str]]:
    """api-gateway deployed on the ``up`` endpoint: (the API's path there, its key, 50 order ids)."""
    from infra.cloud import Cloud
    from patterns.api_gateway import workload
    from patterns.api_client import api_url, call

    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", int(endpoint.rsplit(":", 1)[1])), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"samplecli.py up did not answer on {endpoint}") from None
            time.sleep(0.2)
    cloud = Cloud.remote("local", endpoint)
    stack = cloud.deploy("api-gateway", parameters={"LegacyBackendUrl": f"http://127.0.0.1:{free_port()}"})
    url, key = api_url(cloud, stack), workload.api_key(cloud, stack)
    ids = [call("POST", f"{url}/orders", {"item": f"item {i}", "quantity": 1}, {"x-api-key": key}).body["id"]
           for i in range(50)]
    return url.removeprefix(endpoint), key, ids


def _process_cpu_seconds(pid: int) -> float:
    """A process's CPU time (user + system, every thread) from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def breakdown(requests: int) -> str:
    """Where one orders request's CPU time goes, measured in this process one request at a time (no
    socket, no other connection): each layer called directly, warm, ``requests`` times; the time
    inside moto (the simulated DynamoDB) is read around moto's request handler. A Markdown table."""
    import io as _io

    from moto.core.botocore_stubber import BotocoreStubber

    from infra.cloud import Cloud
    from infra.compute.clock import WallClock
    from infra.compute.executor import _Context
    from infra.compute.http.messages import HttpRequest
    from infra.compute.isolation import isolated
    from patterns.api_gateway import workload
    from patterns.api_client import api_url, call

    def ms(**parts: Any) -> dict[str, float]:
        """Each part's CPU ms per call: the parts take turns over ten rounds and each keeps its
        best round (other processes' load slows every part alike, and only ever up)."""
        best = dict.fromkeys(parts, float("inf"))
        for fn in parts.values():
            for _ in range(50):
                fn()
        for _ in range(10):
            for name, fn in parts.items():
                began = time.process_time()  # every thread: the executor runs handlers on its own
                for _ in range(max(1, requests // 10)):
                    fn()
                best[name] = min(best[name], (time.process_time() - began) * 1000 / max(1, requests // 10))
        return best

    with Cloud.embedded(clock=WallClock()) as cloud:
        stack = cloud.deploy("api-gateway", parameters={"LegacyBackendUrl": f"http://127.0.0.1:{free_port()}"})
        url, key = api_url(cloud, stack), workload.api_key(cloud, stack)
        order_id = call("POST", f"{url}/orders", {"item": "item", "quantity": 1}, {"x-api-key": key}).body["id"]
        base = "/" + url.split("/", 3)[3]
        headers = [("Host", "127.0.0.1"), ("x-api-key", key), ("User-Agent", "benchmark")]
        orders = HttpRequest.build("GET", f"{base}/orders/{order_id}", headers)
        health = HttpRequest.build("GET", f"{base}/health", headers)
        door, executor = cloud.runtime.http, cloud.runtime.plane.executor
        seen: dict[str, Any] = {}
        invoke = executor.invoke
        executor.invoke = lambda spec, event: seen.update(spec=spec, event=event, result=invoke(spec, event)) or seen["result"]  # type: ignore[method-assign]  # noqa: E501
        door.handle(orders)
        executor.invoke = lambda spec, event: seen["result"]  # type: ignore[method-assign]
        front_door = ms(front_door=lambda: door.handle(orders))["front_door"]  # its invocation answered at once
        del executor.invoke
        spec, event = seen["spec"], seen["event"]
        env, _ = executor._take_environment(spec)
        context = _Context(spec, "breakdown", executor.clock, env.log_stream)
        environ, handler = executor._environ(spec, env), env.handler_fn
        assert handler is not None
        get_item = handler.__globals__["client"]

        def in_handler(work: Any) -> Any:
            def run() -> None:
                with isolated(environ, _io.StringIO(), "breakdown"):
                    work()
            return run

        boto3_call = in_handler(lambda: get_item("dynamodb").get_item(TableName=environ["ORDERS_TABLE"],
                                                                       Key={"id": {"S": order_id}}))
        inside = [0.0, 0.0]  # CPU seconds inside moto's request handler, of the whole boto3 calls
        original = BotocoreStubber.process_request

        def timed(self: Any, request: Any) -> Any:
            began = time.thread_time()
            try:
                return original(self, request)
            finally:
                inside[0] += time.thread_time() - began

        def moto_alone() -> None:
            BotocoreStubber.process_request = timed  # type: ignore[method-assign]
            began = time.thread_time()
            try:
                boto3_call()
            finally:
                inside[1] += time.thread_time() - began
                BotocoreStubber.process_request = original  # type: ignore[method-assign]

        took = ms(whole=lambda: door.handle(orders), mock=lambda: door.handle(health),
                  invoked=lambda: executor.invoke(spec, event),
                  handled=in_handler(lambda: handler(event, context)), boto3=boto3_call)
        ms(moto=moto_alone)
        whole, mock, invoked, handled, boto3_ms = (took[k] for k in ("whole", "mock", "invoked", "handled", "boto3"))
        moto_ms = boto3_ms * inside[0] / inside[1]  # moto's share of the call, applied to its best time
    rows = [
        ("front door: route, API key, usage plan, proxy event, response mapping (its invocation answered at once)",
         front_door, "API Gateway"),
        ("executor: environment, context, thread hand-off, CloudWatch Logs record", invoked - handled, "Lambda"),
        ("the handler's Powertools resolver and its own code", handled - boto3_ms, "the function"),
        ("the handler's boto3 GetItem, client side: parameters, endpoint, SigV4, parsing", boto3_ms - moto_ms,
         "the function"),
        ("moto answering it: routing, request, IAM check, GetItem, answer", moto_ms, "DynamoDB"),
    ]
    lines = [f"one orders request, in-process, one at a time, warm, best of ten rounds of {requests // 10:,}; "
             f"{datetime.date.today().isoformat()}", "",
             "| part | CPU ms / request | on AWS, paid by |", "|---|---:|---|"]
    rows.append(("between the layers (the difference of separately measured layers: noise, caches)",
                 whole - sum(value for _, value, _ in rows), ""))
    lines += [f"| {what} | {value:.3f} | {who} |" for what, value, who in rows]
    lines.append(f"| **the whole request, without its socket** | **{whole:.3f}** | |")
    lines.append(f"| for reference: `GET /health` (MOCK), the front door alone, without its socket | {mock:.3f} | |")
    return "\n".join(lines)


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
        route, count, *processes = name.split("/")
        samples = result["latencies_ms"]
        rps = result["requests"] / result["seconds"]
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        target = (f"≥ {TARGET_RPS:,.0f}/s {verdict(rps >= TARGET_RPS)}, p99 ≤ {TARGET_P99_MS:.0f} ms "
                  f"{verdict(p99 <= TARGET_P99_MS)}") if route == "orders" and int(count) == connections else "reference"
        what = ROUTES[route] + ("" if not processes else f"; {processes[0]} serving processes sharing one moto server "
                                f"(samplecli.py up, its CPU counted)" if processes[1:] else
                                f"; {processes[0]} serving processes, each its own moto")
        lines.append(f"| {what} | {count} | {rps:,.0f} | {p50:.1f} ms | {p99:.1f} ms | {result['requests']:,} "
                     f"| {result['cpu_ms_per_request']:.2f} ms | {target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s instead of 10 s")
    parser.add_argument("--profile", action="store_true", help="profile the serving process (needs yappi)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--processes", type=int, default=1,
                        help="also serve the orders route from this many processes (each its own moto)")
    parser.add_argument("--breakdown", action="store_true",
                        help="only print where one orders request's CPU time goes, part by part (in-process)")
    parser.add_argument("--load", help=argparse.SUPPRESS)  # the load generator's own invocation
    parser.add_argument("--share-moto", action="store_true",
                        help="with --processes: the serving processes share one moto server (samplecli.py up)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # a serving process
    parser.add_argument("--serve-from", help=argparse.SUPPRESS)  # a serving process of --share-moto
    parser.add_argument("--route", default="orders", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    if args.load:
        print(json.dumps(load(json.loads(args.load), args.connections, seconds, args.warmup, args.route)))
        return 0
    if args.serve:
        _serve_until_stdin_closes()
        return 0
    if args.serve_from:
        _serve_from_endpoint_until_stdin_closes(args.serve_from)
        return 0
    if args.breakdown:
        print(breakdown(500 if args.quick else 3000))
        return 0
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    results, report = run(args.connections, seconds, args.warmup, args.profile)
    if args.processes > 1:
        name = f"orders/{args.connections}/{args.processes}" + ("/shared" if args.share_moto else "")
        results[name] = run_processes(args.processes, args.connections, seconds, args.warmup, args.share_moto)
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
