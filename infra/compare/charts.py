"""The report's charts (matplotlib, Agg backend, SVG written deterministically: fixed hash salt,
no date in the metadata, so the same figures give the same file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
          "#bab0ac"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "samplecli-compare"
    matplotlib.rcParams["font.size"] = 9
    import matplotlib.pyplot as plt

    return plt


def _measured(patterns: dict[str, Any]) -> dict[str, Any]:
    return {name: fig for name, fig in patterns.items() if "cost_per_million_usd" in fig}


def cost_chart(patterns: dict[str, Any], path: Path, subtitle: str) -> Path:
    """USD per million operations, stacked by service, a bar per pattern."""
    plt = _pyplot()
    measured = _measured(patterns)
    names = list(measured)
    services = sorted({s for fig in measured.values() for s in fig["cost_per_million_usd"]["by_service"]})
    fig, ax = plt.subplots(figsize=(8, 4.2))
    bottoms = [0.0] * len(names)
    for i, service in enumerate(services):
        values = [measured[n]["cost_per_million_usd"]["by_service"].get(service, 0.0) for n in names]
        ax.bar(names, values, bottom=bottoms, label=service, color=COLORS[i % len(COLORS)])
        bottoms = [b + v for b, v in zip(bottoms, values)]
    labels = [f"per {measured[n]['per']}" for n in names]
    for x, (total, label) in enumerate(zip(bottoms, labels)):
        ax.annotate(f"${total:,.2f}\n{label}", (x, total), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("USD per million operations")
    ax.set_title(f"Cost per million business operations, by service\n{subtitle}", fontsize=10)
    ax.set_ylim(0, max(bottoms + [1.0]) * 1.25)
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(plt, fig, path)


def speed_chart(patterns: dict[str, Any], path: Path, subtitle: str) -> Path:
    """Operations per second (per target) and p50/p99 latency where the workload measures it."""
    plt = _pyplot()
    measured = _measured(patterns)
    names = list(measured)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    targets = [("embedded", lambda f: f["speed"]["operations_per_s"])]
    if any(isinstance(f.get("localstack"), dict) and "speed" in f["localstack"] for f in measured.values()):
        targets.append(("localstack", lambda f: (f.get("localstack") or {}).get("speed", {}).get("operations_per_s")))
    width = 0.8 / len(targets)
    for i, (label, value) in enumerate(targets):
        xs = [x + (i - (len(targets) - 1) / 2) * width for x in range(len(names))]
        left.bar(xs, [value(measured[n]) or 0 for n in names], width, label=label, color=COLORS[i])
    left.set_xticks(range(len(names)), names, rotation=20, ha="right")
    left.set_ylabel("operations per second (this machine)")
    left.set_title("Local speed", fontsize=10)
    left.legend(fontsize=8, frameon=False)
    timed = [n for n in names if measured[n]["speed"].get("p50_ms") is not None]
    for i, key in enumerate(("p50_ms", "p99_ms")):
        xs = [x + (i - 0.5) * 0.4 for x in range(len(timed))]
        right.bar(xs, [measured[n]["speed"][key] for n in timed], 0.4, label=key.replace("_ms", ""), color=COLORS[i + 2])
    right.set_xticks(range(len(timed)), timed, rotation=20, ha="right")
    right.set_ylabel("end-to-end latency per operation (ms, log scale)")
    if timed:
        right.set_yscale("log")
    right.set_title("Latency (patterns whose workload times each operation)", fontsize=10)
    right.legend(fontsize=8, frameon=False)
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(subtitle, fontsize=9)
    return _save(plt, fig, path)


def _save(plt: Any, fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    return path
