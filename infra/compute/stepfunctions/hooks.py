"""moto's Step Functions interpreter on the compute plane's clock (moto 5.2.5 is pinned).

- Its modules get ``parking.ClockThreading`` / ``ClockTime`` for ``threading`` and ``time``: Wait
  states, Retry intervals (IntervalSeconds, BackoffRate, MaxDelaySeconds, JitterStrategy — moto's
  own arithmetic), task TimeoutSeconds and HeartbeatSeconds, task tokens wait off the clock,
  and every wait is recorded per execution (``parking.PARKING``) for the plane's settle.
- ``Execution.start`` marks the threads it starts as the execution's.
- A definition is parsed once, not again for every execution (moto's ANTLR parser takes
  0.1-0.4 s of CPU per parse; the parsed program holds no per-execution state).
- A JSONPath is parsed once, by one parser per grammar (``infra/compute/jsonpath.py``):
  jsonpath_ng builds its PLY parser tables on every ``parse`` (4-12 ms of CPU), and the
  interpreter parses a path for every Parameters, ResultPath and Choice it evaluates.
- moto's AWS Batch package is not initialised for the interpreter's one Batch enum
  (``lazy_packages.py``): that would import all of moto's EC2 (≈ 0.6 s of CPU).
- Task integrations reuse one boto3 client per region and service (moto builds a new one for
  every task it runs: tens of milliseconds of CPU each). Clients are thread-safe.
- History events carry the clock's time (a virtual hour shows as an hour between events).
- StartSyncExecution, which moto does not expose, is answered (``sync.py``), on the ``sync-states``
  host botocore sends it to.
Without an active compute plane the clock is the wall clock: moto's behaviour, in real time.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.abc
import importlib.util
import json
import re
import sys
from typing import Any, Callable

from infra.compute.moto_hooks import patches
from infra.compute.stepfunctions.parking import ClockThread, ClockThreading, ClockTime, clock, owning

_PARSER = "moto.stepfunctions.parser."
# module -> the kind of wait its Events and sleeps are (see parking.py)
_MODULE_KINDS = {
    "asl.component.common.retry.retrier_decl": "timer",
    "asl.component.state.wait.wait_function.wait_function": "timer",
    "asl.eval.environment": "timer",  # program_state_event: what a Wait state waits on
    "asl.component.state.exec.state_task.service.state_task_service_callback": "timer",  # .sync polling
    "asl.component.state.exec.execute_state": "watchdog",
    "asl.eval.callback.callback": "external",
    "asl.component.program.program": "children",
    "asl.component.state.exec.state_map.iteration.inline_iteration_component": "children",
    "asl.component.state.exec.state_map.iteration.itemprocessor.map_run_record": "children",
    "asl.component.state.exec.state_map.iteration.job": "children",
    "asl.component.state.exec.state_parallel.branch_worker": "children",
    "asl.component.state.exec.state_parallel.branches_decl": "children",
    "asl.eval.count_down_latch": "children",
    "backend.execution_worker": "children",
}
_SYNC_HOST = r"https?://sync-states\.(.+)\.amazonaws.com"  # botocore sends StartSyncExecution there


def install() -> None:
    """Hook the interpreter when moto first loads it (importing it costs about a second, which a
    pattern without state machines should not pay); StartSyncExecution's host is known at once."""
    if not patches.claim(__name__):
        return
    from infra.compute.stepfunctions import lazy_packages

    lazy_packages.install()
    import moto.backend_index as backend_index

    sync_pattern = ("stepfunctions", re.compile(_SYNC_HOST))
    backend_index.backend_url_patterns.append(sync_pattern)
    patches.on_restore(lambda: backend_index.backend_url_patterns.remove(sync_pattern))
    _after_import("moto.stepfunctions.urls", _hook_start_sync_execution)
    _after_import("moto.stepfunctions.parser.models", _hook_interpreter)


def _hook_interpreter() -> None:
    _hook_interpreter_waits()
    _hook_execution_start()
    _hook_history_time()
    _hook_heartbeat_timeout_error()
    _hook_parse_once()
    _hook_client_reuse()
    _hook_jsonpath_once()


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``then`` right after the module ``name`` is first imported (at once if it is already)."""

    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            load, then = spec.loader.exec_module, self.then

            def exec_module(module: Any) -> None:
                load(module)
                then()

            spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _after_import(name: str, then: Callable[[], None]) -> None:
    if name in sys.modules:
        then()
    else:
        finder = _AfterImport(name, then)
        sys.meta_path.insert(0, finder)
        patches.on_restore(lambda: finder in sys.meta_path and sys.meta_path.remove(finder))


def _hook_interpreter_waits() -> None:
    import threading
    import time

    for name, kind in _MODULE_KINDS.items():
        module = importlib.import_module(_PARSER + name)
        shim = ClockThreading(kind)
        for attr, value in list(vars(module).items()):
            if value is threading:
                patches.patch(module, attr, shim)
            elif value is time:
                patches.patch(module, attr, ClockTime(kind))
            elif value is threading.Event:
                patches.patch(module, attr, shim.Event)
            elif value is threading.Thread:
                patches.patch(module, attr, ClockThread)


def _hook_execution_start() -> None:
    from moto.stepfunctions.parser.backend.execution import Execution

    original = Execution.start

    def start(self: Any) -> None:
        with owning(self.exec_arn):
            original(self)

    patches.patch(Execution, "start", start)


def _hook_history_time() -> None:
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

    patches.patch(EventManager, "_get_current_timestamp", staticmethod(
        lambda: datetime.datetime.fromtimestamp(clock().now(), tz=datetime.timezone.utc)))


def _hook_heartbeat_timeout_error() -> None:
    """A missed heartbeat fails the task with States.HeartbeatTimeout (moto says States.Timeout)."""
    from moto.stepfunctions.parser.api import HistoryEventType, TaskTimedOutEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
    from moto.stepfunctions.parser.asl.eval.callback.callback import HeartbeatTimeoutError
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original = StateTask._from_error

    def _from_error(self: Any, env: Any, ex: Exception) -> Any:
        if not isinstance(ex, HeartbeatTimeoutError):
            return original(self, env, ex)
        event = self._get_timed_out_failure_event(env)
        details = TaskTimedOutEventDetails(**event.event_details["taskTimedOutEventDetails"])
        details["error"] = StatesErrorNameType.StatesHeartbeatTimeout.to_name()
        return FailureEvent(env=env, error_name=StatesErrorName(typ=StatesErrorNameType.StatesHeartbeatTimeout),
                            event_type=HistoryEventType.TaskTimedOut,
                            event_details=EventDetails(taskTimedOutEventDetails=details))

    patches.patch(StateTask, "_from_error", _from_error)


def _hook_start_sync_execution() -> None:
    import moto.stepfunctions.urls as urls
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    from infra.compute.stepfunctions.sync import start_sync_execution

    urls.url_bases.append(_SYNC_HOST)
    patches.on_restore(lambda: urls.url_bases.remove(_SYNC_HOST))

    def handler(self: Any) -> ActionResult:
        output = start_sync_execution(self.stepfunction_backend, self._get_param("stateMachineArn"),
                                      self._get_param("name"), self._get_param("input", if_none="{}"),
                                      self._get_param("traceHeader"))
        return ActionResult(json.loads(json.dumps(output, default=_json_default)))

    patches.patch(StepFunctionResponse, "start_sync_execution", handler)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    return str(value)


def _hook_parse_once() -> None:
    from functools import lru_cache

    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    patches.patch(AmazonStateLanguageParser, "parse", staticmethod(
        lru_cache(maxsize=128)(AmazonStateLanguageParser.parse)))


TASK_CLIENTS: dict[tuple[Any, ...], Any] = {}  # emptied when a compute plane closes: the next cloud's
#                                                moto mock must not answer through the last one's clients


def _hook_client_reuse() -> None:
    import pkgutil
    import threading

    import moto.stepfunctions.parser.asl as asl
    from moto.core.models import botocore_stubber
    from moto.stepfunctions.parser.asl.utils import boto_client

    original = boto_client.boto_client_for
    clients = TASK_CLIENTS
    lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service, botocore_stubber.enabled)
        with lock:
            if key not in clients:
                clients[key] = original(region, service, state_credentials)
            return clients[key]

    patches.patch(boto_client, "boto_client_for", boto_client_for)
    for info in pkgutil.walk_packages(asl.__path__, asl.__name__ + "."):
        module = sys.modules.get(info.name)
        if module is not None and getattr(module, "boto_client_for", None) is original:
            patches.patch(module, "boto_client_for", boto_client_for)


def _hook_jsonpath_once() -> None:
    import moto.stepfunctions.parser.asl.component.common.path.result_path as result_path
    import moto.stepfunctions.parser.asl.utils.json_path as json_path

    from infra.compute import jsonpath

    patches.patch(result_path, "parse", jsonpath.parse)  # jsonpath_ng.parse
    patches.patch(json_path, "parse", jsonpath.parse_extended)  # jsonpath_ng.ext.parse
