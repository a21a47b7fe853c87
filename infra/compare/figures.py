"""Every figure of one pattern's run, as plain data (what compare.json holds per pattern)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from infra.compare.limits import binding, limits_for
from infra.compare.prices import NOT_PER_OPERATION, PriceFile
from infra.compare.runner import PatternRun
from infra.metering import Usage


def _remote(run: PatternRun, prices: PriceFile) -> dict[str, Any]:
    """On LocalStack: the same workload's speed and guarantees; of the usage, what the toolkit's
    executor ran (Lambda), since the target answers every request itself."""
    lambda_only = {k: v for k, v in run.usage.metrics.items() if k.startswith("lambda/")}
    fig = figures(replace(run, target="embedded", usage=Usage({}, lambda_only, run.usage.functions)), prices)
    fig.update({"target": run.target, "metered": REMOTE_SCOPE})
    for key in ("limits", "bound_by", "not_per_operation", "requests_per_operation"):
        fig.pop(key, None)
    return fig


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (p50: share 0.5)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _rounded(values: dict[str, float], digits: int = 6) -> dict[str, float]:
    return {key: round(value, digits) for key, value in sorted(values.items())}


def speed(run: PatternRun) -> dict[str, Any]:
    count = run.operations or 1
    p50, p99 = percentile(run.latencies_ms, 0.5), percentile(run.latencies_ms, 0.99)
    return {"seconds": round(run.seconds, 3),
            "operations_per_s": round(count / run.seconds, 1) if run.seconds > 0 else None,
            "p50_ms": None if p50 is None else round(p50, 1), "p99_ms": None if p99 is None else round(p99, 1),
            "latencies_measured": len(run.latencies_ms)}


def guarantees(run: PatternRun) -> dict[str, Any]:
    return {"held": all(item.held for item in run.invariants) and bool(run.invariants),
            "invariants": [{"name": i.name, "held": i.held, "detail": i.detail} for i in run.invariants],
            "observed": run.observed}


REMOTE_SCOPE = ("Lambda only: the target answers the requests itself, out of the meter's sight "
                "(it sees the requests that reach moto in this process); its handlers run in this process")


HOURS_PER_MONTH = 730


def fixed_usd_per_month(resources: dict[str, Any], prices: PriceFile) -> dict[str, float]:
    """What the pattern's resources cost by the hour, whatever the traffic (provisioned Kinesis shards)."""
    shards = 0
    for resource in resources.values():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Kinesis::Stream" and \
                (props.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED") == "PROVISIONED":
            count = props.get("ShardCount", 1)
            shards += int(count) if isinstance(count, (int, str)) and str(count).isdigit() else 1
    price = prices.fixed.get("kinesis/shard_hours")
    return {"Kinesis": round(price.cost(shards * HOURS_PER_MONTH), 2)} if shards and price else {}


def figures(run: PatternRun, prices: PriceFile) -> dict[str, Any]:
    """Usage per operation, cost per million operations by service, speed, guarantees, limits."""
    if run.target != "embedded":
        return _remote(run, prices)
    operation = run.operation
    out: dict[str, Any] = {
        "operation": operation.name if operation else None,
        "need": operation.need if operation else "",
        "differs": operation.differs if operation else "",
        "target": run.target,
        "error": run.error,
        "not_on_target": run.not_on_target,
    }
    if run.error or run.not_on_target:
        return out
    count = run.operations or 1
    out["operations"] = run.operations
    out["per"] = operation.name if operation and run.operations else "run"
    per_op = {k: v / count for k, v in run.usage.metrics.items()}
    requests_per_op = {k: v / count for k, v in run.usage.requests.items()}
    by_service, unpriced = prices.cost_per_million(run.usage.metrics, count)
    lambda_seconds = sum(f.duration_ms for f in run.usage.functions.values()) / 1000 / count
    limits = limits_for(run.resources, per_op, requests_per_op, lambda_seconds)
    bound = binding(limits)
    out.update({
        "usage_per_operation": _rounded(per_op),
        "requests_per_operation": _rounded(requests_per_op),
        "not_per_operation": {k: run.usage.metrics[k] for k in NOT_PER_OPERATION if k in run.usage.metrics},
        "functions": {run.function_names.get(name, name): {"invocations": f.invocations, "errors": f.errors,
                                                           "gb_seconds": round(f.gb_seconds, 6)}
                      for name, f in sorted(run.usage.functions.items())},
        "cost_per_million_usd": {"by_service": _rounded(by_service, 4), "total": round(sum(by_service.values()), 4),
                                 "unpriced_metrics": unpriced},
        "fixed_usd_per_month": fixed_usd_per_month(run.resources, prices),
        "speed": speed(run),
        "guarantees": guarantees(run),
        "limits": [limit.as_json() for limit in limits],
        "bound_by": bound.as_json() if bound else None,
    })
    return out
