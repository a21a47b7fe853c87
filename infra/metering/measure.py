"""Measure what one run consumed: ``with measure(cloud) as reading: ...; reading.usage``.

The reading is the meter's difference around the block, plus what is read from the compute
plane and the control plane at its end:
- Lambda: invocations and billed GB-seconds per function, from the executor's totals (every
  invocation however it came: event source, front door, asynchronous retry, state machine task);
- Step Functions: for each execution started in the block, its state transitions (the states it
  entered, from its history: standard state machines are billed per transition) or, for an
  express one, one request and its duration in 64 MB / 100 ms steps.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator

from infra.metering import hooks
from infra.metering.meter import METER, FunctionUsage, Usage, unmetered

EXPRESS_MEMORY_GB = 64 / 1024  # the smallest express memory step


def function_usage(cloud: Any) -> dict[str, FunctionUsage]:
    plane = getattr(cloud, "plane", None)
    if plane is None:
        return {}
    return {name: FunctionUsage(t.invocations, t.errors, t.gb_seconds, t.duration_ms)
            for name, t in list(plane.executor.totals.items())}


@dataclass
class Reading:
    usage: Usage = field(default_factory=Usage)


@contextlib.contextmanager
def measure(cloud: Any) -> Iterator[Reading]:
    hooks.install()
    reading = Reading()
    before = METER.snapshot(function_usage(cloud))
    executions_before = len(hooks.started_executions)
    try:
        yield reading
    finally:
        usage = METER.snapshot(function_usage(cloud)) - before
        lambda_metrics = {"lambda/requests": float(sum(f.invocations for f in usage.functions.values())),
                          "lambda/gb_seconds": sum(f.gb_seconds for f in usage.functions.values())}
        with unmetered():
            workflows = step_functions_metrics(cloud, hooks.started_executions[executions_before:])
        reading.usage = usage.with_metrics(lambda_metrics).with_metrics(workflows)


def step_functions_metrics(cloud: Any, started: list[tuple[str, str]]) -> dict[str, float]:
    if not started:
        return {}
    sfn = cloud.client("stepfunctions")
    kinds: dict[str, str] = {}
    metrics = {"stepfunctions/standard_transitions": 0.0, "stepfunctions/express_requests": 0.0,
               "stepfunctions/express_gb_seconds": 0.0}
    for machine, execution in started:
        if machine not in kinds:
            kinds[machine] = sfn.describe_state_machine(stateMachineArn=machine).get("type", "STANDARD")
        if kinds[machine] == "EXPRESS":
            metrics["stepfunctions/express_requests"] += 1
            described = sfn.describe_execution(executionArn=execution)
            metrics["stepfunctions/express_gb_seconds"] += _billed_seconds(described) * EXPRESS_MEMORY_GB
            continue
        metrics["stepfunctions/standard_transitions"] += state_transitions(sfn, execution)
    return metrics


def state_transitions(sfn: Any, execution_arn: str) -> int:
    """States entered by an execution (Step Functions counts a transition per step executed)."""
    entered = 0
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        entered += sum(1 for event in page["events"] if event["type"].endswith("StateEntered"))
    return entered


def _billed_seconds(described: dict[str, Any]) -> float:
    start, stop = described.get("startDate"), described.get("stopDate")
    if not isinstance(start, datetime) or not isinstance(stop, datetime):
        return 0.1
    return max(1, math.ceil((stop - start).total_seconds() * 10)) / 10
