"""compare --target localstack: the same workload on both targets, side by side with the ratio."""

from __future__ import annotations

import io
import json
from pathlib import Path

import samplecli


def test_compare_on_localstack_runs_the_workload_on_both_targets_with_the_speed_ratio(endpoint: str,
                                                                                      tmp_path: Path) -> None:
    out = io.StringIO()
    code = samplecli.main(["compare", "durable-counter", "--target", "localstack", "--out", str(tmp_path)], out=out)

    assert code == 0, out.getvalue()
    assert "[1/1] durable-counter on localstack..." in out.getvalue()
    figures = json.loads((tmp_path / "compare.json").read_text())["patterns"]["durable-counter"]
    there = figures["localstack"]
    assert there["guarantees"]["held"] and there["operations"] == figures["operations"] == 180
    assert there["metered"].startswith("Lambda only")
    assert set(there["usage_per_operation"]) <= {"lambda/requests", "lambda/gb_seconds"}
    assert figures["ratio"]["operations_per_s"] == round(
        figures["speed"]["operations_per_s"] / there["speed"]["operations_per_s"], 2)
    assert "| durable-counter |" in (tmp_path / "report.md").read_text().split("side by side")[1]
