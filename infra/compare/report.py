"""compare's outputs: the table (printed and in report.md), report.md and compare.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

COLUMNS = ["pattern", "per", "ops", "Lambda inv./op", "GB-s/op", "API req. + WS msgs/op", "DynamoDB RRU+WRU/op",
           "$ per million ops", "ops/s", "p50 / p99 ms", "guarantees", "bound first by (ops/s)"]


def _num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def row(name: str, fig: dict[str, Any]) -> list[str]:
    if fig.get("error") or fig.get("not_on_target"):
        return [name, fig.get("operation") or "run", "—"] + ["—"] * 7 + \
               [f"FAILED: {fig['error']}" if fig.get("error") else "not deployable on this target", "—"]
    use = fig["usage_per_operation"]
    api = sum(use.get(k, 0.0) for k in ("apigateway/rest_requests", "apigateway/http_requests",
                                         "apigateway/websocket_messages"))
    speed = fig["speed"]
    latency = "—" if speed["p50_ms"] is None else f"{speed['p50_ms']:.0f} / {speed['p99_ms']:.0f}"
    held = fig["guarantees"]
    broken = [i["name"] for i in held["invariants"] if not i["held"]]
    guarantees = (f"{len(held['invariants'])} invariants held" if not broken else f"BROKEN: {'; '.join(broken)}")
    observed = held.get("observed") or {}
    if observed:
        guarantees += "; " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in observed.items() if k != "ordering")
    bound = fig.get("bound_by")
    bound_text = "—" if not bound else f"{bound['quota'].split(':')[0]} ({bound['ceiling_ops_per_s']:,.0f})"
    return [name, fig["per"], str(fig["operations"] or "—"), _num(use.get("lambda/requests")),
            _num(use.get("lambda/gb_seconds"), 4), _num(api), f"{use.get('dynamodb/read_units', 0):.2f} + "
            f"{use.get('dynamodb/write_units', 0):.2f}", _num(fig["cost_per_million_usd"]["total"]),
            _num(speed["operations_per_s"], 1), latency, guarantees, bound_text]


def table(patterns: dict[str, Any]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row(name, fig)) + " |" for name, fig in patterns.items()]
    return "\n".join(lines)


def side_by_side(patterns: dict[str, Any]) -> str:
    """Embedded and LocalStack, the same workloads: speed and what was invoked, with the ratio."""
    lines = ["| pattern | ops/s embedded | ops/s LocalStack | embedded ÷ LocalStack | p50 ms embedded / LocalStack "
             "| Lambda inv./op embedded / LocalStack | invariants on LocalStack |", "|---|---:|---:|---:|---|---|---|"]
    for name, fig in patterns.items():
        other = fig.get("localstack") or {}
        if "speed" not in fig or "speed" not in other:
            if other.get("not_on_target"):
                reason = "not deployable there: " + other["not_on_target"].split(" (")[0][:140]
            else:
                reason = other.get("error") or fig.get("error") or "not run"
            lines.append(f"| {name} | {_num(fig.get('speed', {}).get('operations_per_s'), 1)} | — | — | — | — | "
                         f"{reason} |")
            continue
        ratio = fig.get("ratio", {}).get("operations_per_s")
        lines.append(f"| {name} | {_num(fig['speed']['operations_per_s'], 1)} | {_num(other['speed']['operations_per_s'], 1)} "
                     f"| {_num(ratio, 1)}× | {_num(fig['speed']['p50_ms'], 0)} / {_num(other['speed']['p50_ms'], 0)} "
                     f"| {_num(fig['usage_per_operation'].get('lambda/requests'))} / "
                     f"{_num(other['usage_per_operation'].get('lambda/requests'))} "
                     f"| {'held' if other['guarantees']['held'] else 'BROKEN'} |")
    return "\n".join(lines)


def needs_section(patterns: dict[str, Any]) -> str:
    groups: dict[str, list[str]] = {}
    for name, fig in patterns.items():
        if fig.get("need"):
            groups.setdefault(fig["need"], []).append(name)
    parts = []
    for need, names in groups.items():
        if len(names) < 2:
            continue
        parts.append(f"### Same need: {need}\n")
        for name in names:
            fig = patterns[name]
            cost = fig.get("cost_per_million_usd", {}).get("total")
            speed = fig.get("speed", {}).get("operations_per_s")
            parts.append(f"- **{name}** — {fig.get('differs') or 'no difference declared'} "
                         f"(${_num(cost)} per million {fig.get('per', 'run')}s, {_num(speed, 1)} ops/s here)")
        parts.append("")
    return "\n".join(parts)


def details(name: str, fig: dict[str, Any]) -> str:
    if "usage_per_operation" not in fig:
        return f"### {name}\n\n{fig.get('error') or fig.get('not_on_target')}\n"
    lines = [f"### {name} (per {fig['per']}, {fig['operations'] or 1} in the run)", "",
             "| metered, per operation | quantity |", "|---|---:|"]
    lines += [f"| `{k}` | {v:,.4f} |" for k, v in fig["usage_per_operation"].items()]
    lines += ["", "| cost per million operations | USD |", "|---|---:|"]
    lines += [f"| {k} | {v:,.4f} |" for k, v in fig["cost_per_million_usd"]["by_service"].items()]
    lines.append(f"| **total** | **{fig['cost_per_million_usd']['total']:,.4f}** |")
    if fig["cost_per_million_usd"]["unpriced_metrics"]:
        lines.append(f"\nNot priced (no entry in the price file): {', '.join(fig['cost_per_million_usd']['unpriced_metrics'])}")
    if fig.get("fixed_usd_per_month"):
        lines.append(f"\nFixed, whatever the traffic (USD per month): {fig['fixed_usd_per_month']}")
    if fig.get("not_per_operation"):
        lines.append(f"\nNot per operation: {fig['not_per_operation']} (idle polling; billed by the hour of polling)")
    lines += ["", "Guarantees observed:"]
    lines += [f"- {'held' if i['held'] else 'BROKEN'}: {i['name']}" + (f" ({i['detail']})" if i["detail"] else "")
              for i in fig["guarantees"]["invariants"]]
    if fig["guarantees"].get("observed"):
        lines.append(f"- counted: {fig['guarantees']['observed']}")
    lines += ["", "AWS limits that bound it (ceiling = quota ÷ metered use per operation):"]
    lines += [f"- {limit['quota']}: " + ("no use per operation" if limit["ceiling_ops_per_s"] is None
                                          else f"≈ {limit['ceiling_ops_per_s']:,.0f} ops/s")
              + (f" ({limit['note']})" if limit["note"] else "") for limit in fig["limits"]]
    lines += ["", "Requests that reached the target, per operation: "
              + ", ".join(f"`{k}` {v:.3g}" for k, v in fig["requests_per_operation"].items()), ""]
    return "\n".join(lines)


def markdown(doc: dict[str, Any], charts: list[str]) -> str:
    prices = doc["prices"]
    parts = [f"# Patterns compared — measured {doc['measured']}", "",
             f"`python samplecli.py compare` on {doc['machine']['description']}; target {doc['target']}; prices of "
             f"{prices['as_of']} ({prices['region']}, `{prices['file']}`). Usage is metered as the calls happen "
             "(infra/metering) and divided by the business operations each workload declares.", "",
             table(doc["patterns"]), ""]
    if doc["target"] != "embedded":
        parts += ["## Embedded and LocalStack, side by side", "", side_by_side(doc["patterns"]), ""]
    needs = needs_section(doc["patterns"])
    if needs:
        parts += ["## Patterns answering the same need", "", needs]
    parts += [f"![{c}]({c})" for c in charts] + ["", "## Per pattern", ""]
    parts += [details(name, fig) for name, fig in doc["patterns"].items()]
    return "\n".join(parts).rstrip() + "\n"


def write(doc: dict[str, Any], out: Path, charts: list[str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "compare.json", out / "report.md"]
    written[0].write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    written[1].write_text(markdown(doc, charts))
    return written
