"""The compute plane: executor + event sources + asynchronous invocations, off one clock.

Two ways to drive it:
- synchronously (tests, the embedded ``run``): ``run_until_idle()`` delivers everything that is
  due now; ``settle()`` also advances a virtual clock until nothing is left in flight;
- in the background (``samplecli.py up``): ``start()`` runs the event sources' threads (a queue,
  a shard each) and one for asynchronous invocations, on the wall clock.

Event sources are a family (infra/compute/sources/): the plane asks it, never a source.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from infra.compute import active, faults, moto_hooks
from infra.compute.clock import Clock, VirtualClock
from infra.compute.executor import Executor, FunctionSpec, InvocationResult
from infra.compute.faults import FaultInjector
from infra.compute.faults import deliveries as faulty  # fault injection (off unless ``faults`` is set)
from infra.compute.functions import resolve_function, spec_from_moto
from infra.compute.sources import SourceContext
from infra.compute.sources.family import EventSources
from infra.metering.meter import unmetered
from infra.compute import stepfunctions  # Step Functions executions' waits (infra/compute/stepfunctions)

ASYNC_RETRY_DELAYS = (60.0, 120.0)  # Lambda retries a failed asynchronous invocation twice
ASYNC_THROTTLE_DELAYS = (1.0, 300.0)  # a throttled one: from 1 s, doubling up to 5 minutes, not counted


@dataclass(order=True)
class _AsyncInvocation:
    due: float
    seq: int
    function_arn: str = field(compare=False)
    event: dict[str, Any] = field(compare=False)
    attempt: int = field(compare=False, default=1)
    throttles: int = field(compare=False, default=0)


class ComputePlane:
    def __init__(self, clients: Callable[[str], Any], clock: Clock, account_id: str, region: str,
                 handler_env: dict[str, str] | None = None,
                 functions: Callable[[str], FunctionSpec] | None = None,
                 log_sink: Callable[[FunctionSpec, str, list[tuple[int, str]]], None] | None = None) -> None:
        """``functions`` finds a deployed function by name or ARN and ``log_sink`` writes its logs;
        both default to moto's backends in this process (embedded and ``up``); a plane running
        handlers for LocalStack passes ones that use its API (see infra/compute/remote.py)."""
        self.clients = clients
        self.clock = clock
        self.account_id = account_id
        self.region = region
        self._functions = functions or (lambda name: resolve_function(name, self.account_id, self.region))
        self.executor = Executor(clock, log_sink=log_sink or self._write_logs, handler_env=handler_env)
        self.sources = EventSources(
            SourceContext(clients, self.deliver, self.clock.now, account_id, region), self.invoke_async)
        self.faults: FaultInjector | None = None  # infra/compute/faults: enable(plane, rate, seed)
        self.failed_async: list[dict[str, Any]] = []
        self._async: list[_AsyncInvocation] = []
        self._async_lock = threading.Lock()
        self._seq = itertools.count()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._log_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------
    def activate(self) -> "ComputePlane":
        """This plane becomes the compute plane of moto in this process (embedded, ``up``): it
        runs the Lambda code and the event source mappings moto would shortcut."""
        moto_hooks.install()
        active.activate(self)
        self.sources.runs_mappings = True
        return self

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.faults is not None:
            faults.disable(self)
        if active.deactivate(self):
            stepfunctions.forget_clients()  # Step Functions: Task clients belong to this plane's mock
        self.executor.shutdown()

    def now(self) -> float:
        return self.clock.now()

    # -- invocation ------------------------------------------------------------------------
    def function(self, function: str) -> FunctionSpec:
        """A deployed function's spec (code, handler, Timeout...), by name or ARN."""
        return self._functions(function)

    def invoke(self, function: str, event: Any) -> InvocationResult:
        return self.executor.invoke(self._functions(function), event)

    def deliver(self, function: str, event: Any) -> InvocationResult:
        """An event-driven invocation (an event source's batch, an asynchronous event): where the
        fault injector, when on, throttles, fails, times out, crashes mid-batch or delivers twice."""
        if self.faults is None:
            return self.invoke(function, event)
        return faulty.deliver(self.faults, self.executor, self._functions(function), event)

    def invoke_moto_function(self, fn: Any, event: Any) -> tuple[str, bool, str]:
        if isinstance(event, (str, bytes)):
            event = json.loads(event) if event else {}
        result = self.executor.invoke(spec_from_moto(fn), event)
        return json.dumps(result["payload"]), result["function_error"] is not None, result["logs"]

    def invoke_async(self, function_arn: str, event: dict[str, Any]) -> None:
        self._schedule(_AsyncInvocation(self.clock.now(), next(self._seq), function_arn, event))

    def _schedule(self, item: _AsyncInvocation) -> None:
        with self._async_lock:
            heapq.heappush(self._async, item)

    def _run_due_async(self) -> int:
        ran = 0
        while True:
            with self._async_lock:
                if not self._async or self._async[0].due > self.clock.now():
                    return ran
                item = heapq.heappop(self._async)
            result = self.deliver(item.function_arn, item.event)
            ran += 1
            if faulty.throttled(result):  # retried with backoff (up to 6 hours on AWS), not an attempt
                first, most = ASYNC_THROTTLE_DELAYS
                self._schedule(_AsyncInvocation(
                    self.clock.now() + min(first * 2 ** item.throttles, most), next(self._seq),
                    item.function_arn, item.event, item.attempt, item.throttles + 1))
            elif result["function_error"]:
                if item.attempt <= len(ASYNC_RETRY_DELAYS):
                    delay = ASYNC_RETRY_DELAYS[item.attempt - 1]
                    self._schedule(_AsyncInvocation(
                        self.clock.now() + delay, next(self._seq), item.function_arn, item.event, item.attempt + 1))
                else:
                    self.failed_async.append({"function": item.function_arn, "event": item.event,
                                              "error": result["payload"], "attempts": item.attempt})

    # -- event sources ---------------------------------------------------------------------
    def refresh_mappings(self) -> None:
        """Follow the control plane's event source mappings (new ones start, deleted ones stop)."""
        self.sources.refresh()

    def run_until_idle(self, max_rounds: int = 10_000) -> int:
        """Deliver everything due at the current time; returns the number of messages/events handled."""
        total = 0
        for _ in range(max_rounds):
            handled = self._run_due_async() + self.sources.poll_once()
            total += handled
            if handled == 0:
                return total
        raise RuntimeError("the compute plane did not become idle (a message loop between functions?)")

    def in_flight(self) -> int:
        """Pending asynchronous invocations, what the event sources have not handled yet, and Step
        Functions executions at work or due to go on."""
        with self._async_lock:
            pending = len(self._async)
        with unmetered():  # metering: the plane looking, not the architecture working
            return pending + self.sources.in_flight() + stepfunctions.in_flight()

    def settle(self, max_seconds: float = 3600.0, step: float = 1.0, max_step: float = 30.0) -> float:
        """Run until nothing is in flight, advancing a virtual clock; returns virtual seconds used.

        Time moves in steps that double while nothing happens (up to ``max_step``) and fall back
        to ``step`` when something is delivered, so a 3-minute visibility timeout takes a handful
        of rounds; a delivery may come up to one step later than the exact moment.
        """
        if not isinstance(self.clock, VirtualClock):
            raise TypeError("settle() advances time: use a VirtualClock, or start() on the wall clock")
        start = self.clock.now()
        self.run_until_idle()
        current = step
        while (busy := self.in_flight()) and self.clock.now() - start < max_seconds:
            # Step Functions: straight to an execution's due time (a Wait state) when only they wait
            self.clock.advance(stepfunctions.settle_step(current, self.clock.now(), busy > stepfunctions.in_flight(),
                                                       start + max_seconds))
            current = step if self.run_until_idle() else min(current * 2, max_step)
        stepfunctions.wait_quiet()  # Step Functions: executions woken by the last step have parked again
        return self.clock.now() - start

    # -- background mode -------------------------------------------------------------------
    def start(self, refresh_every: float = 1.0) -> None:
        self._spawn(self._async_loop)
        self._spawn(lambda: self._refresh_loop(refresh_every))
        self.sources.start(self._spawn, self._stop)

    def _spawn(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _async_loop(self) -> None:
        while not self._stop.is_set():
            if self._run_due_async() == 0:
                self._stop.wait(0.02)

    def _refresh_loop(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.refresh_mappings()
            except Exception as exc:  # noqa: BLE001
                print(f"refreshing event source mappings failed: {exc}")

    # -- logs ------------------------------------------------------------------------------
    def _write_logs(self, spec: FunctionSpec, stream: str, events: list[tuple[int, str]]) -> None:
        """Into the function's log group, straight into moto's logs backend (this process holds it:
        embedded and ``up``), which costs a fraction of an API call per invocation."""
        from moto.logs.models import logs_backends

        backend = logs_backends[self.account_id][spec.region]
        group = f"/aws/lambda/{spec.name}"
        with self._log_lock:
            # dictionary lookups, so a group deleted by ``destroy`` is simply created again
            if group not in backend.groups:
                backend.ensure_log_group(group)
            if stream not in backend.groups[group].streams:
                backend.create_log_stream(group, stream)
            backend.put_log_events(group, stream, [{"timestamp": t, "message": m} for t, m in events if m])
