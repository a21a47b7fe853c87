"""Runs real Lambda handlers in-process, the way Lambda runs them.

Each function has a pool of execution environments; an environment is one loaded copy of the
handler module (its own module globals, cold-started on first use), used by one invocation at a
time. An invocation gets a Lambda context (name, ARN, request id, memory, remaining time), the
function's environment variables, its output captured to the function's CloudWatch Logs group,
the function's Timeout enforced, and errors reported as Lambda reports them.
"""

from __future__ import annotations

import importlib.util
import io
import json
import math
import sys
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, TypedDict

from infra.compute import iam, isolation
from infra.compute.clock import Clock
from infra.compute.faults.handler import HandlerFault, InjectedTimeout
from infra.compute.isolation import isolated, process_environ
from infra.compute.powertools_isolation import install_if_loaded


@dataclass(frozen=True)
class FunctionSpec:
    """What the executor needs to know of a deployed function."""

    name: str
    arn: str
    handler: str  # "module.function", module path relative to code_dir
    code_dir: Path
    timeout: float = 3.0
    memory_mb: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    region: str = "us-east-1"
    code_sha256: str = ""
    role: str = ""  # the execution role's ARN (its session credentials sign the handler's calls)


class InvocationResult(TypedDict):
    request_id: str
    payload: Any  # the handler's return value, or Lambda's error object
    function_error: str | None  # None, "Unhandled"
    duration_ms: float
    cold_start: bool
    logs: str


class _Context:
    """The Lambda context object handed to handlers."""

    def __init__(self, spec: FunctionSpec, request_id: str, clock: Clock, log_stream: str) -> None:
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = log_stream
        self.identity = None
        self.client_context = None
        self._clock = clock
        self._virtual_deadline = clock.now() + spec.timeout
        self._real_deadline = time.monotonic() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        remaining = min(self._virtual_deadline - self._clock.now(), self._real_deadline - time.monotonic())
        return max(0, int(remaining * 1000))


class _Environment:
    """One execution environment: a freshly loaded handler module."""

    _counter = 0
    _lock = threading.Lock()

    def __init__(self, spec: FunctionSpec) -> None:
        with _Environment._lock:
            _Environment._counter += 1
            number = _Environment._counter
        self.spec = spec
        self.id = uuid.uuid4().hex
        self.log_stream = f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]{self.id}"
        self.module_name = f"_lambda_env_{number}_{spec.handler.rsplit('.', 1)[0].replace('.', '_')}"
        self.handler_fn: Callable[[Any, Any], Any] | None = None
        # its variables, built for one spec and process environment, reused while neither changes
        self.environ: dict[str, str] = {}
        self.environ_made_for: tuple[FunctionSpec, Any] | None = None

    def load(self) -> Callable[[Any, Any], Any]:
        module_path, _, attr = self.spec.handler.rpartition(".")
        source = self.spec.code_dir / (module_path.replace(".", "/") + ".py")
        if not source.is_file():
            raise ImportError(f"Unable to import module '{module_path}': No module named '{module_path}'")
        code_dir = str(self.spec.code_dir)
        if code_dir not in sys.path:
            sys.path.insert(0, code_dir)
        module_spec = importlib.util.spec_from_file_location(self.module_name, source)
        assert module_spec is not None and module_spec.loader is not None
        module: ModuleType = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        install_if_loaded()  # Powertools' resolver: its current event per thread (powertools_isolation.py)
        handler = getattr(module, attr, None)
        if not callable(handler):
            raise AttributeError(f"Handler '{attr}' missing on module '{module_path}'")
        return handler


def _handler_traceback(exc: BaseException) -> Any:
    """The exception's traceback without the executor's own frames (Lambda shows the handler's)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return tb


def error_payload(exc: BaseException, request_id: str) -> dict[str, Any]:
    """The error object Lambda returns for an unhandled exception."""
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": [line.rstrip("\n") for line in traceback.format_tb(_handler_traceback(exc))],
    }


LogSink = Callable[[FunctionSpec, str, list[tuple[int, str]]], None]


def _error_text(payload: Any) -> str:
    """``errorType: errorMessage`` of a failed invocation's payload."""
    if isinstance(payload, dict) and "errorType" in payload:
        return f"{payload['errorType']}: {payload.get('errorMessage', '')}"
    return str(payload)
HISTORY_LIMIT = 10_000


@dataclass
class FunctionTotals:
    """Every invocation of one function, counted (bounded memory, however long the process runs)."""

    invocations: int = 0
    errors: int = 0
    cold_starts: int = 0
    duration_ms: float = 0.0
    gb_seconds: float = 0.0  # billed as Lambda bills: duration rounded up to the millisecond

    def add(self, duration_ms: float, memory_mb: int, failed: bool, cold: bool) -> None:
        self.invocations += 1
        self.errors += failed
        self.cold_starts += cold
        self.duration_ms += duration_ms
        self.gb_seconds += math.ceil(duration_ms) / 1000 * memory_mb / 1024


class Executor:
    """Invokes functions on worker threads; ``max_concurrency`` bounds simultaneous invocations."""

    def __init__(self, clock: Clock, log_sink: LogSink | None = None, max_concurrency: int = 32,
                 handler_env: dict[str, str] | None = None, history_limit: int = HISTORY_LIMIT) -> None:
        self.clock = clock
        self.handler_env = dict(handler_env or {})  # e.g. AWS_ENDPOINT_URL: where handlers' boto3 calls go
        self.log_sink = log_sink
        self._workers = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="lambda")
        self._idle: dict[str, list[_Environment]] = {}
        self._lock = threading.Lock()
        # the latest invocations (at least ``history_limit`` of them), for reports and tests; a long
        # ``serve``/``up`` does not grow without bound; ``totals`` counts every invocation
        self.invocations: list[dict[str, Any]] = []
        self.history_limit = history_limit
        self.totals: dict[str, FunctionTotals] = {}
        self.watchers: list[Callable[[dict[str, Any]], None]] = []  # told of each invocation as it ends
        isolation.install()  # per-invocation os.environ and output, until shutdown()
        self._installed = True

    def shutdown(self) -> None:
        self._workers.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            installed, self._installed = self._installed, False
        if installed:
            isolation.uninstall()

    def _take_environment(self, spec: FunctionSpec) -> tuple[_Environment, bool]:
        key = f"{spec.name}:{spec.code_sha256}"
        with self._lock:
            pool = self._idle.setdefault(key, [])
            if pool:
                return pool.pop(), False
        return _Environment(spec), True

    def _return_environment(self, spec: FunctionSpec, env: _Environment) -> None:
        with self._lock:
            self._idle.setdefault(f"{spec.name}:{spec.code_sha256}", []).append(env)

    def invoke(self, spec: FunctionSpec, event: Any, fault: HandlerFault | None = None) -> InvocationResult:
        """``fault``: what goes wrong in this invocation (infra/compute/faults), None for a normal one."""
        request_id = str(uuid.uuid4())
        started_at = self.clock.now()  # on the plane's clock (virtual in tests and runs)
        env, cold = self._take_environment(spec)
        log = io.StringIO()
        done = threading.Event()
        outcome: dict[str, Any] = {}
        context = _Context(spec, request_id, self.clock, env.log_stream)
        environ = self._environ(spec, env)
        started = time.perf_counter()

        def run() -> None:
            with isolated(environ, log, request_id):
                try:
                    if env.handler_fn is None:
                        env.handler_fn = env.load()
                    if fault is None:
                        outcome["payload"] = env.handler_fn(event, context)
                    else:
                        outcome["payload"] = fault.run(env.handler_fn, event, context)
                except InjectedTimeout:
                    outcome["timed_out"] = True
                except BaseException as exc:  # noqa: BLE001 - reported like Lambda does
                    traceback.print_exception(type(exc), exc, _handler_traceback(exc), file=log)
                    outcome["error"] = error_payload(exc, request_id)
                finally:
                    done.set()

        self._workers.submit(run)
        finished = self.clock.wait(done, spec.timeout) and "timed_out" not in outcome
        duration_ms = (time.perf_counter() - started) * 1000
        if not finished:
            # The environment is abandoned (Lambda would stop it); its thread may still finish.
            payload: Any = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: Task timed out after {spec.timeout:.2f} seconds",
            }
            error: str | None = "Unhandled"
            log.write(f"{payload['errorMessage']}\n")
        elif "error" in outcome:
            payload, error = outcome["error"], "Unhandled"
            log.write(json.dumps(outcome["error"]) + "\n")
            # A failed init leaves no usable environment; a handler error keeps it warm.
            if env.handler_fn is not None:
                self._return_environment(spec, env)
        else:
            payload, error = outcome.get("payload"), None
            self._return_environment(spec, env)
        logs = self._lambda_log(request_id, spec, log.getvalue(), duration_ms, cold)
        self._record(spec, request_id, error, _error_text(payload) if error else None, duration_ms, cold, started_at)
        if self.log_sink is not None:
            # Wall time: CloudWatch Logs rejects (silently) events stamped over 2 h ahead of real
            # time, which a virtual clock can easily be; S3 and SNS events carry wall time too.
            stamp = int(time.time() * 1000)
            self.log_sink(spec, env.log_stream, [(stamp, line) for line in logs.splitlines()])
        return InvocationResult(
            request_id=request_id, payload=payload, function_error=error,
            duration_ms=duration_ms, cold_start=cold, logs=logs,
        )

    def _environ(self, spec: FunctionSpec, env: _Environment) -> dict[str, str]:
        """The environment's variables (``isolated`` gives each invocation its own copy); built
        again when the function's spec, the process's variables or IAM enforcement changed."""
        made_for = (isolation.process_environ_stamp(), iam.enforcing())
        if (env.environ_made_for is None or env.environ_made_for[0] is not spec
                or env.environ_made_for[1] != made_for or made_for[0] is None):
            env.environ = self._build_environ(spec, env.log_stream)
            env.environ_made_for = (spec, made_for)
        return env.environ

    def _build_environ(self, spec: FunctionSpec, log_stream: str) -> dict[str, str]:
        base = process_environ()
        base.update(self.handler_env)
        base.update({
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "_HANDLER": spec.handler,
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
        })
        base.update(spec.environment)
        base.update(iam.credentials_for(spec))  # the execution role's session, as Lambda gives it
        return base

    @staticmethod
    def _lambda_log(request_id: str, spec: FunctionSpec, output: str, duration_ms: float, cold: bool) -> str:
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, int(duration_ms + 0.999))} ms\tMemory Size: {spec.memory_mb} MB"
        )
        if cold:
            report += "\tInit: in-process"
        return f"START RequestId: {request_id} Version: $LATEST\n{output}END RequestId: {request_id}\n{report}\n"

    def _record(self, spec: FunctionSpec, request_id: str, error: str | None, error_text: str | None,
                duration_ms: float, cold: bool, started_at: float) -> None:
        record = {"function": spec.name, "request_id": request_id, "error": error, "error_text": error_text,
                  "duration_ms": duration_ms, "cold_start": cold, "started_at": started_at}
        with self._lock:
            self.invocations.append(record)
            if len(self.invocations) >= 2 * self.history_limit:
                del self.invocations[:len(self.invocations) - self.history_limit]
            totals = self.totals.setdefault(spec.name, FunctionTotals())
            totals.add(duration_ms, spec.memory_mb, error is not None, cold)
        for watch in self.watchers:
            watch(record)
