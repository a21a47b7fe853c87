"""samplecli: deploy, run and compare AWS serverless patterns — locally, on LocalStack or on AWS.

    python samplecli.py list
    python samplecli.py run file-conversion [--target embedded|local|localstack|aws]
    python samplecli.py deploy PATTERN --target local      (destroy likewise)
    python samplecli.py export PATTERN --out DIR
    python samplecli.py up [--port 4566]
    python samplecli.py serve api-gateway [--port 8080]   (its APIs as real HTTP; Ctrl-C stops)
    python samplecli.py run ./my-sam-app                  (a folder with a template.yaml: your own app)
    python samplecli.py docs [--out docs/] [--html site/]  (reference architecture pages)
    python samplecli.py compare [PATTERN ...] [--target embedded|localstack] [--out DIR]
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, NoReturn, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from infra import registry
from infra.exceptions import ToolkitError
from infra.ports import require_free
from infra.targets import TARGETS
from infra.workload import broken


PATTERN_HELP = "a pattern name (see 'list'), or the path of a folder holding a template.yaml (your own SAM app)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="samplecli.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", help="patterns with one-line summaries")

    def with_target(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("pattern", help=PATTERN_HELP)
        sub.add_argument("--target", choices=TARGETS, default="embedded", help="where to deploy (default: embedded)")
        sub.add_argument("--endpoint-url", help="endpoint of the local or localstack target")
        sub.add_argument("--region", help="AWS region (default: AWS_DEFAULT_REGION or us-east-1)")
        _with_parameters(sub)

    run = commands.add_parser("run", help="deploy a pattern, drive its demo workload, report what happened")
    with_target(run)
    run.add_argument("--faults", metavar="RATE",
                     help="inject faults at this rate (0..1): handler errors, timeouts, crashes mid-batch, duplicate "
                          "deliveries, Lambda and DynamoDB throttling, 5xx; embedded target only")
    run.add_argument("--seed", type=int, default=0, help="the fault injector's seed (default 0): same seed, same faults")
    with_target(commands.add_parser("deploy", help="deploy a pattern's template to a target"))
    with_target(commands.add_parser("destroy", help="remove everything a deploy created"))
    export = commands.add_parser("export", help="the template and packaged code, for the SAM or AWS CLI")
    export.add_argument("pattern", help=PATTERN_HELP)
    export.add_argument("--out", required=True, type=Path, help="folder to write into")
    export.add_argument("--no-deps", action="store_true", help="zip the code only (no requirements installed)")
    up = commands.add_parser("up", help="serve a local AWS endpoint with the compute plane (Ctrl-C stops)")
    up.add_argument("--port", type=int, default=4566)
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--ws-port", type=int, default=4510,
                    help="the WebSocket front door's port, for WebSocket APIs deployed into it (0: any free one)")
    serve = commands.add_parser("serve", help="deploy a pattern embedded and serve its APIs over HTTP (Ctrl-C stops)")
    serve.add_argument("pattern", help=PATTERN_HELP)
    serve.add_argument("--port", type=int, default=8080, help="the front door's port (0: any free one)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--ws-port", type=int, default=8081,
                       help="the WebSocket front door's port, for patterns with WebSocket APIs (0: any free one)")
    serve.add_argument("--cdn-port", type=int, default=8082,
                       help="the CloudFront front door's port for the first distribution (0: any free one)")
    _with_parameters(serve)
    _docs_arguments(commands.add_parser("docs", help="reference architecture pages generated from the templates"))
    compare = commands.add_parser("compare", help="run patterns' workloads, meter them: cost, speed, guarantees, limits")
    compare.add_argument("patterns", nargs="*", metavar="PATTERN", help="patterns to compare (default: all)")
    compare.add_argument("--target", choices=("embedded", "localstack"), default="embedded",
                         help="localstack: also run each workload on LocalStack, side by side (default: embedded)")
    compare.add_argument("--out", type=Path, default=Path("docs") / "compare",
                         help="folder for report.md, compare.json and the charts (default: docs/compare)")
    return parser


def _docs_arguments(sub: argparse.ArgumentParser) -> None:
    from infra.docs.command import add_arguments

    add_arguments(sub)


def _docs(args: argparse.Namespace, say: Callable[[str], None], stop: Any) -> int:
    from infra.docs.command import run

    return run(args, say)


def _with_parameters(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE",
                     help="a template parameter (repeatable), e.g. LegacyBackendUrl=http://127.0.0.1:9000")


def _parameters(args: argparse.Namespace) -> dict[str, str]:
    parameters = {}
    for item in getattr(args, "parameter", []):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ToolkitError(f"--parameter {item!r}: expected KEY=VALUE")
        parameters[key] = value
    return parameters


def main(argv: list[str] | None = None, out: TextIO | None = None,
         stop: threading.Event | None = None) -> int:
    """Entry point; ``stop`` ends ``up`` (tests), Ctrl-C does for a user."""
    out = out or sys.stdout
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    say: Callable[[str], None] = lambda line: print(line, file=out, flush=True)
    try:
        return COMMANDS[args.command](args, say, stop)
    except ToolkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as exc:  # no credentials, endpoint gone mid-way, access denied
        print(f"error: {args.command} on the {getattr(args, 'target', 'embedded')} target failed: {exc}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _list(args: argparse.Namespace, say: Callable[[str], None], stop: Any) -> int:
    for pattern in registry.all_patterns():
        say(f"{pattern.name:<20} {pattern.summary}")
    return 0


def _open_cloud(args: argparse.Namespace) -> Any:
    from infra.cloud import Cloud

    return Cloud.open(args.target, args.endpoint_url, args.region, run_functions=args.command == "run")


def _deploy(args: argparse.Namespace, say: Callable[[str], None], stop: Any) -> int:
    pattern = registry.get(args.pattern)
    with _open_cloud(args) as cloud:
        stack = cloud.deploy(pattern.folder, _parameters(args), progress=lambda m: say(f"  {m}"))
        say(f"deployed {pattern.name} to {args.target} in {stack.deploy_seconds:.2f} s "
            f"({len(stack.resources)} resources)")
        for key, value in stack.outputs.items():
            say(f"  {key}: {value}")
        say(f"note: {cloud.who_runs_functions()}")
        if cloud.target.in_this_process:
            say("note: the embedded target lives in this process only; use 'up' + '--target local' to keep it")
    return 0


def _destroy(args: argparse.Namespace, say: Callable[[str], None], stop: Any) -> int:
    pattern = registry.get(args.pattern)
    with _open_cloud(args) as cloud:
        stack = cloud.destroy(pattern.stack_name, progress=lambda m: say(f"  {m}"))
        say(f"destroyed {pattern.name} on {args.target} ({len(stack.resources)} resources)")
    return 0


def _fault_rate(args: argparse.Namespace) -> float | None:
    """--faults RATE, checked before anything is deployed (None: no faults)."""
    if args.faults is None:
        return None
    from infra.compute.faults import parse_rate

    rate = parse_rate(args.faults)
    if args.target != "embedded":
        raise ToolkitError(f"--faults needs the embedded target (its compute plane and clock are in this process), "
                           f"not --target {args.target}")
    return rate


def _run(args: argparse.Namespace, say: Callable[[str], None], stop: Any) -> int:
    pattern = registry.get(args.pattern)
    started = time.perf_counter()
    rate = _fault_rate(args)
    workload = pattern.workload() if pattern.has_workload else None
    with _open_cloud(args) as cloud:
        say(f"deploying {pattern.name} to the {args.target} target ({cloud.who_runs_functions()})...")
        stack = cloud.deploy(pattern.folder, _parameters(args))
        say(f"deployed {len(stack.resources)} resources in {stack.deploy_seconds:.2f} s")
        for resource in stack.resources:
            say(f"  {resource.type:<34} {resource.logical_id}")
        invariants = []
        if workload is None:
            for key, value in stack.outputs.items():
                say(f"  output {key}: {value}")
            say(f"no workload: {pattern.folder} has no workload.py to drive it (deployed, listed, cleaned up)")
        else:
            injector = None
            if rate is not None:
                from infra.compute import faults

                injector = faults.enable(cloud.plane, rate, args.seed)
                say(f"injecting faults at rate {rate:g} (seed {args.seed})")
            result = workload.run(cloud, stack, progress=lambda m: say(f"  {m}"))
            for line in workload.summary_lines(result):
                say(line)
            if injector is not None:
                for line in injector.report_lines():
                    say(line)
            invariants = workload.invariants(result)
            say("invariants:")
            for item in invariants:
                say(item.line())
        if cloud.invocations():
            _report_invocations(cloud.invocations(), say)
        if not cloud.target.kept_after_run:
            cloud.destroy(stack.name)
            say(f"cleaned up the {args.target} target")
    say(f"done in {time.perf_counter() - started:.2f} s")
    failed = broken(invariants)
    if failed:
        print(f"error: {pattern.name}: {len(failed)} invariant(s) broken: "
              + "; ".join(item.name for item in failed), file=sys.stderr)
        return 1
    return 0


def _report_invocations(invocations: list[dict[str, Any]], say: Callable[[str], None]) -> None:
    by_function: dict[str, list[dict[str, Any]]] = {}
    for item in invocations:
        by_function.setdefault(item["function"], []).append(item)
    say("invocations (in-process):")
    for name, items in sorted(by_function.items()):
        durations = sorted(i["duration_ms"] for i in items)
        errors = sum(1 for i in items if i["error"])
        say(f"  {name:<48} {len(items):>3} calls, {errors} errors, median {durations[len(durations) // 2]:.1f} ms")


def _export(args: argparse.Namespace, say: Callable[[str], None], stop: Any) -> int:
    from infra.export import export

    pattern = registry.get(args.pattern)
    for path in export(pattern, args.out, with_dependencies=not args.no_deps):
        say(f"wrote {path}")
    say(f"deploy with: sam deploy --template-file {args.out / 'template.yaml'} --stack-name {pattern.name} "
        f"--capabilities CAPABILITY_IAM --resolve-s3")
    return 0


def _wait_for_stop(stop: threading.Event | None) -> None:
    """Until ``stop`` is set (tests), Ctrl-C or SIGTERM."""
    waiter = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even if inherited as ignored
        signal.signal(signal.SIGTERM, lambda *_: waiter.set())
    try:
        while not waiter.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass


def _serve(args: argparse.Namespace, say: Callable[[str], None], stop: threading.Event | None) -> int:
    from infra.cloud import Cloud
    from infra.compute.clock import WallClock

    pattern = registry.get(args.pattern)
    require_free(args.host, args.port, "--port")  # before the deploy, not after it
    if pattern.has_websocket_api:
        require_free(args.host, args.ws_port, "--ws-port")
    if pattern.has_distribution:
        require_free(args.host, args.cdn_port, "--cdn-port")
    with Cloud.embedded(clock=WallClock()) as cloud:
        stack = cloud.deploy(pattern.folder, _parameters(args))
        urls = cloud.serve(stack, args.port, args.ws_port, args.host, args.cdn_port)  # event sources on the wall clock, as on 'up'
        with pattern.serve_extras(cloud, stack, say):
            say(f"serving {pattern.name} on {cloud.serve_http().url} (deployed embedded, "
                f"{len(stack.resources)} resources)")
            for kind, name, url in urls:
                say(f"  CloudFront distribution {name}: {url}" if kind == "CLOUDFRONT" else f"  {kind} API {name}: {url}")
            say("Ctrl-C stops")
            _wait_for_stop(stop)
        cloud.destroy(stack.name)
    say("stopped")
    return 0


def _up(args: argparse.Namespace, say: Callable[[str], None], stop: threading.Event | None) -> int:
    from infra import server

    endpoint = server.start(args.port, args.host, ws_port=args.ws_port)
    endpoint.runtime.watch_invocations(lambda record: say(_invocation_line(record)))
    say(f"local AWS endpoint on {endpoint.url} (region us-east-1, any access key)")
    say("  for the AWS CLI and SDKs: export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test "
        f"AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL={endpoint.url}")
    say(f"  WebSocket APIs deployed here: {endpoint.websocket_url}/{{api id}}/{{stage}}")
    say(f"  aws --endpoint-url {endpoint.url} s3 ls")
    say(f"  python samplecli.py deploy file-conversion --target local --endpoint-url {endpoint.url}")
    say("Lambda functions deployed here run in this process; Ctrl-C stops")
    try:
        _wait_for_stop(stop)
    finally:
        endpoint.stop()
        say("stopped")
    return 0


def _invocation_line(record: dict[str, Any]) -> str:
    """One line per invocation ``up`` runs; a failure says why (the rest is in /aws/lambda/<name>)."""
    outcome = f"FAILED {record['error_text']}" if record["error"] else "ok"
    cold = ", cold start" if record["cold_start"] else ""
    return f"  {record['function']} {record['duration_ms']:.0f} ms{cold}: {outcome}"


def _compare(args: argparse.Namespace, say: Callable[[str], None], stop: Any) -> int:
    from infra.compare.command import compare

    return compare(args.patterns, args.target, args.out, say)


COMMANDS: dict[str, Callable[[argparse.Namespace, Callable[[str], None], Any], int]] = {
    "list": _list, "run": _run, "deploy": _deploy, "destroy": _destroy, "export": _export, "up": _up,
    "serve": _serve, "docs": _docs, "compare": _compare,
}

def _exit(code: int) -> NoReturn:
    """End the process as a normal exit does (threads joined, exit handlers run, output flushed)
    but skip the interpreter's teardown: freeing moto's, botocore's and the handlers' objects one
    by one takes ≈0.7 s of CPU after a ``run`` has done its work and reported it."""
    threading._shutdown()  # type: ignore[attr-defined]  # what the interpreter runs first at exit
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more to say
            pass
    os._exit(code)


if __name__ == "__main__":
    _exit(main())
