"""Run one pattern's workload on one target and keep what compare needs: the metered usage, the
operations and their latencies, the invariants, the template's resources."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from infra.exceptions import DeployError
from infra.metering import Usage, measure
from infra.registry import Pattern
from infra.template import load, to_cloudformation
from infra.workload import Invariant, Operation, operation_of, operations_in


@dataclass
class PatternRun:
    pattern: str
    target: str
    operation: Operation | None = None
    operations: int | None = None
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    invariants: list[Invariant] = field(default_factory=list)
    observed: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    function_names: dict[str, str] = field(default_factory=dict)  # deployed name -> logical id
    error: str | None = None        # the run failed: compare exits non-zero
    not_on_target: str | None = None  # the target cannot realize the template (said, not a failure)

    @property
    def failed(self) -> bool:
        return self.error is not None or any(not item.held for item in self.invariants)


def open_cloud(target: str) -> Any:
    from infra.cloud import Cloud

    if target == "embedded":
        return Cloud.embedded()
    return Cloud.remote(target, run_functions=True)


def template_resources(pattern: Pattern) -> dict[str, Any]:
    """The template's resources with the SAM transform expanded (code locations do not matter here)."""
    template = load(pattern.template)
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = "s3://compare/code.zip"
    template.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    return dict(to_cloudformation(template).get("Resources", {}))


def run_pattern(pattern: Pattern, target: str, progress: Callable[[str], None] = lambda line: None) -> PatternRun:
    run = PatternRun(pattern.name, target)
    try:
        workload = pattern.workload()
        run.operation = operation_of(workload)
        run.resources = template_resources(pattern)
        with open_cloud(target) as cloud:
            try:
                # a stack name of its own: a shared LocalStack may hold the pattern's usual stack
                stack = cloud.deploy(pattern.name, stack_name=f"{pattern.name}-compare-{uuid.uuid4().hex[:6]}")
            except DeployError as exc:
                if target == "embedded":
                    raise
                run.not_on_target = str(exc)
                return run
            run.function_names = {r.physical_id: r.logical_id for r in stack.resources
                                  if r.type == "AWS::Lambda::Function"}
            try:
                with measure(cloud) as reading:
                    started = time.perf_counter()
                    result = workload.run(cloud, stack, progress=progress)
                    run.seconds = time.perf_counter() - started
                run.usage = reading.usage
                run.operations = operations_in(result)
                run.latencies_ms = [float(x) for x in result.get("latencies_ms", [])]
                run.observed = dict(result.get("observed", {}))
                run.invariants = workload.invariants(result)
            finally:
                cloud.destroy(stack.name)
    except Exception as exc:  # noqa: BLE001 - one pattern failing must not hide the others
        run.error = f"{type(exc).__name__}: {exc}"
    return run
