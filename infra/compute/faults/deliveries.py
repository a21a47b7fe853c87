"""Event-driven invocations under faults: throttled, failed, timed out, crashed mid-batch, delivered twice.

The compute plane routes event source batches and asynchronous invocations through
``deliver``; what the source or the asynchronous queue does with the result (retry, bisect,
DLQ, on-failure destination) is theirs, unchanged, as on AWS.
"""

from __future__ import annotations

from typing import Any

from infra.compute.executor import Executor, FunctionSpec, InvocationResult
from infra.compute.faults.handler import HandlerFault, batch_records
from infra.compute.faults.injector import FaultInjector

THROTTLED = "TooManyRequestsException"


def throttled(result: InvocationResult) -> bool:
    payload = result["payload"]
    return isinstance(payload, dict) and payload.get("errorType") == THROTTLED and not result["request_id"]


def _throttle_result(spec: FunctionSpec) -> InvocationResult:
    return InvocationResult(
        request_id="", function_error="Unhandled", duration_ms=0.0, cold_start=False, logs="",
        payload={"errorType": THROTTLED, "errorMessage": f"Rate Exceeded. (reserved concurrency of {spec.name}, injected)",
                 "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"},
    )


def _handler_fault(injector: FaultInjector, executor: Executor, spec: FunctionSpec, event: Any) -> HandlerFault | None:
    records = batch_records(event)
    if injector.decide("handler_error"):
        return HandlerFault("handler_error", executor.clock, spec.timeout)
    if injector.decide("handler_timeout"):
        return HandlerFault("handler_timeout", executor.clock, spec.timeout)
    if records is not None and len(records) > 1 and injector.decide("batch_crash"):
        return HandlerFault("batch_crash", executor.clock, spec.timeout,
                            processed=injector.draw("batch_crash", 1, len(records) - 1))
    return None


def deliver(injector: FaultInjector, executor: Executor, spec: FunctionSpec, event: Any) -> InvocationResult:
    """One event-driven invocation, with the faults the injector decides on."""
    if injector.decide("lambda_throttle"):
        return _throttle_result(spec)
    result = executor.invoke(spec, event, fault=_handler_fault(injector, executor, spec, event))
    if injector.decide("duplicate_delivery"):
        executor.invoke(spec, event)  # at-least-once: the same batch / event once more (its answer unused)
    return result
