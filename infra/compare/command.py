"""``python samplecli.py compare [PATTERN ...] [--target embedded|localstack] [--out DIR]``.

Runs each pattern's workload (all patterns when none is named) on the embedded target, meters
what it consumed (infra/metering), and writes into DIR (default docs/compare/):

- ``compare.json``: every figure, for tools and the docs pages::

    {"measured": "2026-12-04T18:00:00+00:00",            # when the run was made (UTC)
     "machine": {"description": ..., "python": ..., "cpus": ...},
     "target": "embedded" | "localstack",
     "prices": {"file": "benchmarks/aws_prices.json", "as_of": ..., "region": ...},
     "patterns": {"<name>": {
         "operation": "upload" | null,                   # declared in the workload (OPERATION)
         "per": "upload" | "run",                        # the unit the figures are per
         "operations": 8 | null, "need": "", "differs": "",
         "usage_per_operation": {"lambda/requests": 0.38, "s3/tier1_requests": 4.0, ...},
         "requests_per_operation": {"s3:PutObject": 4.0, ...},
         "functions": {"<logical id>": {"invocations", "errors", "gb_seconds"}},   # in the run
         "cost_per_million_usd": {"by_service": {"S3": 20.9, ...}, "total": ..., "unpriced_metrics": []},
         "fixed_usd_per_month": {"Kinesis": 10.95},     # provisioned shard-hours, whatever the traffic
         "speed": {"seconds", "operations_per_s", "p50_ms", "p99_ms", "latencies_measured"},
         "guarantees": {"held": true, "invariants": [{"name", "held", "detail"}], "observed": {...}},
         "limits": [{"quota", "ceiling_ops_per_s", "note"}], "bound_by": {...} | null,
         "error": null, "not_on_target": null,
         "localstack": {... the same figures on LocalStack ...}, "ratio": {"operations_per_s": ...}}}}
                                                         # the last two with --target localstack only
- ``report.md``: the table, the patterns answering the same need side by side, per-pattern details;
- ``cost_per_million.svg`` and ``speed.svg``: the charts.
"""

from __future__ import annotations

import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from infra import registry
from infra.compare import charts, report
from infra.compare.figures import figures
from infra.compare.prices import PRICE_FILE, PriceFile
from infra.compare.runner import PatternRun, run_pattern
from infra.registry import Pattern
from infra.workload import Operation, operation_of

DEFAULT_OUT = Path("docs") / "compare"
Say = Callable[[str], None]


def declared_operation(pattern: Pattern) -> Operation | None:
    try:
        return operation_of(pattern.workload())
    except Exception:  # noqa: BLE001 - a workload that does not import: its run reports why
        return None


def grouped_by_need(patterns: list[Pattern]) -> list[Pattern]:
    """Patterns answering the same need next to each other (in the order their first one comes)."""
    needs = {p.name: declared_operation(p) for p in patterns}
    first: dict[str, int] = {}
    for index, pattern in enumerate(patterns):
        operation = needs[pattern.name]
        if operation is not None and operation.need:
            first.setdefault(operation.need, index)

    def key(item: tuple[int, Pattern]) -> tuple[int, int]:
        index, pattern = item
        operation = needs[pattern.name]
        return (first.get(operation.need, index) if operation is not None and operation.need else index, index)

    return [pattern for _, pattern in sorted(enumerate(patterns), key=key)]


def machine() -> dict[str, Any]:
    cpus = os.cpu_count() or 1
    python = platform.python_version()
    return {"description": f"{cpus} cores, {platform.system()} {platform.machine()}, Python {python}",
            "python": python, "cpus": cpus}


def progress_line(run: PatternRun, fig: dict[str, Any]) -> str:
    if run.error:
        return f"  FAILED: {run.error}"
    if run.not_on_target:
        return f"  not deployable on {run.target}: {run.not_on_target[:200]}"
    held = "invariants held" if fig["guarantees"]["held"] else "INVARIANTS BROKEN"
    return (f"  {run.operations or 'no'} {fig['per']}(s) in {run.seconds:.2f} s "
            f"({fig['speed']['operations_per_s']}/s), ${fig['cost_per_million_usd']['total']:,.2f} per million"
            f"{' (Lambda only)' if fig.get('metered') else ''}, {held}")


def compare(names: list[str], target: str = "embedded", out: Path = DEFAULT_OUT, say: Say = print,
            runner: Callable[[Pattern, str, Say], PatternRun] = run_pattern) -> int:
    patterns = grouped_by_need([registry.get(n) for n in names] if names else registry.all_patterns())
    prices = PriceFile.load()
    targets = ["embedded"] + ([target] if target != "embedded" else [])
    results: dict[str, Any] = {}
    failed: list[str] = []
    for index, pattern in enumerate(patterns, 1):
        for where in targets:
            say(f"[{index}/{len(patterns)}] {pattern.name} on {where}...")
            run = runner(pattern, where, lambda line: None)
            fig = figures(run, prices)
            say(progress_line(run, fig))
            if run.failed:
                failed.append(f"{pattern.name} on {where}")
            if where == "embedded":
                results[pattern.name] = fig
            else:
                results[pattern.name][where] = fig
                here, there = results[pattern.name].get("speed"), fig.get("speed")
                if here and there and there.get("operations_per_s"):
                    results[pattern.name]["ratio"] = {
                        "operations_per_s": round(here["operations_per_s"] / there["operations_per_s"], 2)}
    doc = {"measured": datetime.now(timezone.utc).replace(microsecond=0).isoformat(), "machine": machine(),
           "target": target, "prices": {"file": str(PRICE_FILE.relative_to(PRICE_FILE.parents[1])),
                                        "as_of": prices.as_of, "region": prices.region},
           "patterns": results}
    out.mkdir(parents=True, exist_ok=True)
    subtitle = f"measured {doc['measured'][:10]} on {doc['machine']['description']}; prices of {prices.as_of}"
    drawn = [charts.cost_chart(results, out / "cost_per_million.svg", subtitle).name,
             charts.speed_chart(results, out / "speed.svg", subtitle).name]
    written = report.write(doc, out, drawn)
    say("")
    say(report.table(results))
    if target != "embedded":
        say("")
        say(report.side_by_side(results))
    say("")
    for path in written + [out / name for name in drawn]:
        say(f"wrote {path}")
    if failed:
        print(f"error: {len(failed)} run(s) failed or broke an invariant: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
