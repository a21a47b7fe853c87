"""samplecli.py compare: any pattern folder is compared with no code change; the figures are the
metered usage priced from the price file; patterns answering the same need sit side by side."""

from __future__ import annotations

import io
import json
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import samplecli
from infra import registry
from infra.compare import charts
from infra.compare.prices import PRICE_FILE, PriceFile

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: echo.handler
      Runtime: python3.12
      MemorySize: 256
Outputs:
  FunctionName:
    Value: !Ref EchoFunction
"""
HANDLER = "def handler(event, context):\n    return {'echo': event}\n"
WORKLOAD = '''"""A probe: calls its one function {calls} times."""
import time
from infra.workload import Invariant, Operation
{declaration}

def run(cloud, stack, progress=lambda m: None):
    lam = cloud.client("lambda")
    started = time.perf_counter()
    for i in range({calls}):
        lam.invoke(FunctionName=stack.outputs["FunctionName"], Payload=b'{{"n": 1}}')
    return {{"calls": {calls}, "seconds": time.perf_counter() - started{count}}}

def summary_lines(result):
    return [f"{{result['calls']}} calls"]

def outcome(result):
    return {{"calls": result["calls"]}}

def invariants(result):
    return [Invariant("every call answered", {held})]
'''


@pytest.fixture
def probe_pattern() -> Iterator[Callable[..., str]]:
    """``probe_pattern(declaration="", calls=3, held=True)``: a new folder under patterns/, found by
    the registry like any other (removed after the test); returns its name."""
    made: list[Path] = []

    def make(declaration: str = "", calls: int = 3, held: bool = True, counts: bool = True) -> str:
        folder = registry.PATTERNS_DIR / f"zz_probe_{uuid.uuid4().hex[:8]}"
        (folder / "src").mkdir(parents=True)
        made.append(folder)
        (folder / "__init__.py").write_text("")
        (folder / "template.yaml").write_text(TEMPLATE)
        (folder / "src" / "echo.py").write_text(HANDLER)
        count = f', "operations": {calls}' if counts else ""
        (folder / "workload.py").write_text(WORKLOAD.format(declaration=declaration, calls=calls, held=held, count=count))
        return folder.name.replace("_", "-")

    yield make
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)
        sys.modules.pop(f"patterns.{folder.name}.workload", None)
        sys.modules.pop(f"patterns.{folder.name}", None)


def _compare(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return samplecli.main(["compare", *argv], out=out), out.getvalue()


def test_a_new_pattern_folder_is_compared_with_no_code_change_even_declaring_nothing(
        probe_pattern: Callable[..., str], tmp_path: Path) -> None:
    declared = probe_pattern('OPERATION = Operation("call", need="echo things", differs="asks twice as often")', calls=4)
    silent = probe_pattern(calls=2, counts=False)
    partner = probe_pattern('OPERATION = Operation("call", need="echo things", differs="the plain one")', calls=2)

    code, printed = _compare(declared, silent, partner, "--out", str(tmp_path))

    assert code == 0, printed
    assert f"[1/3] {declared} on embedded..." in printed
    doc = json.loads((tmp_path / "compare.json").read_text())
    assert list(doc["patterns"]) == [declared, partner, silent]  # the same need side by side
    figures = doc["patterns"][declared]
    assert (figures["operation"], figures["per"], figures["operations"]) == ("call", "call", 4)
    assert figures["usage_per_operation"]["lambda/requests"] == 1.0
    assert figures["functions"]["EchoFunction"]["invocations"] == 4
    assert figures["requests_per_operation"] == {"lambda:Invoke": 1.0}
    lambda_price = json.loads(PRICE_FILE.read_text())["prices"]["lambda/requests"]
    assert figures["cost_per_million_usd"]["by_service"]["Lambda"] == pytest.approx(
        lambda_price["usd"] / lambda_price["per"] * 1e6 + figures["usage_per_operation"]["lambda/gb_seconds"]
        * PriceFile.load().usd("lambda/gb_seconds") * 1e6, abs=1e-3)
    assert figures["guarantees"]["held"] is True
    assert any(limit["quota"].startswith("Lambda: 1,000 concurrent") for limit in figures["limits"])
    nothing = doc["patterns"][silent]
    assert (nothing["operation"], nothing["per"], nothing["operations"]) == (None, "run", None)
    assert nothing["usage_per_operation"]["lambda/requests"] == 2.0  # per run
    report = (tmp_path / "report.md").read_text()
    assert "### Same need: echo things" in report
    assert f"**{declared}** — asks twice as often" in report and f"**{partner}** — the plain one" in report
    assert f"| {silent} | run |" in report and f"| {silent} | run |" in printed
    for chart in ("cost_per_million.svg", "speed.svg"):
        assert (tmp_path / chart).read_text().lstrip().startswith("<?xml")


def test_a_broken_invariant_makes_compare_exit_non_zero_and_shows_in_the_row(
        probe_pattern: Callable[..., str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = probe_pattern('OPERATION = Operation("call")', held=False)

    code, printed = _compare(name, "--out", str(tmp_path))

    assert code == 1
    assert "BROKEN: every call answered" in printed
    assert f"{name} on embedded" in capsys.readouterr().err


def test_cost_per_million_is_the_metered_quantity_at_the_price_files_price() -> None:
    raw = json.loads(PRICE_FILE.read_text())
    prices = PriceFile.load()
    metered = {"lambda/requests": 3.0, "lambda/gb_seconds": 0.5, "s3/tier1_requests": 4.0, "s3/tier2_requests": 3.0,
               "dynamodb/write_units": 10.0, "sqs/empty_receives": 9.0, "made/up": 1.0}

    by_service, unpriced = prices.cost_per_million(metered, operations=2)

    def usd(metric: str, quantity: float) -> float:
        entry = raw["prices"][metric]
        return quantity * entry["usd"] / entry["per"] / 2 * 1e6

    assert by_service == pytest.approx({
        "Lambda": usd("lambda/requests", 3) + usd("lambda/gb_seconds", 0.5),
        "S3": usd("s3/tier1_requests", 4) + usd("s3/tier2_requests", 3),
        "DynamoDB": usd("dynamodb/write_units", 10)})
    assert by_service["S3"] == pytest.approx((4 * 5.00 + 3 * 0.40) / 2)  # $5 / $0.40 per million requests
    assert unpriced == ["made/up"]  # said, never dropped; idle polling is not per operation
    assert raw["as_of"] and raw["region"] == "us-east-1"


def test_charts_are_the_same_file_for_the_same_figures(tmp_path: Path) -> None:
    figures = {"a": {"per": "upload", "cost_per_million_usd": {"by_service": {"S3": 20.9, "Lambda": 3.3}},
                     "speed": {"operations_per_s": 2.5, "p50_ms": 10.0, "p99_ms": 30.0}},
               "b": {"per": "run", "cost_per_million_usd": {"by_service": {"SQS": 0.3}},
                     "speed": {"operations_per_s": 9.0, "p50_ms": None, "p99_ms": None}}}
    for name in ("one", "two"):
        charts.cost_chart(figures, tmp_path / f"{name}-cost.svg", "test")
        charts.speed_chart(figures, tmp_path / f"{name}-speed.svg", "test")
    assert (tmp_path / "one-cost.svg").read_bytes() == (tmp_path / "two-cost.svg").read_bytes()
    assert (tmp_path / "one-speed.svg").read_bytes() == (tmp_path / "two-speed.svg").read_bytes()


def test_limits_and_fixed_costs_come_from_the_templates_resources_and_the_metered_use() -> None:
    from infra.compare.figures import fixed_usd_per_month
    from infra.compare.limits import binding, limits_for

    resources = {"Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 2}},
                 "Orders": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}},
                 "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}}}
    per_op = {"kinesis/put_payload_units": 1.0}
    limits = {limit.quota.split(":")[0]: limit for limit in
              limits_for(resources, per_op, {"sqs:SendMessage": 2.0}, lambda_seconds_per_op=0.5)}

    assert limits["Kinesis"].ceiling == 2 * 1000  # two shards, one record per operation
    assert limits["SQS FIFO"].ceiling == 150  # 300 SendMessage calls/s, two per operation
    assert limits["Lambda"].ceiling == 2000  # 1,000 concurrent, half a second of Lambda per operation
    assert binding(list(limits.values())) is limits["SQS FIFO"]
    shard_hour = json.loads(PRICE_FILE.read_text())["fixed"]["kinesis/shard_hours"]["usd"]
    assert fixed_usd_per_month(resources, PriceFile.load()) == {"Kinesis": round(2 * 730 * shard_hour, 2)}


def test_a_pattern_whose_workload_does_not_import_is_reported_and_the_others_still_run(
        probe_pattern: Callable[..., str], tmp_path: Path) -> None:
    good = probe_pattern('OPERATION = Operation("call")')
    broken = probe_pattern()
    (registry.PATTERNS_DIR / broken.replace("-", "_") / "workload.py").write_text("import no_such_module\n")

    code, printed = _compare(good, broken, "--out", str(tmp_path))

    assert code == 1
    patterns = json.loads((tmp_path / "compare.json").read_text())["patterns"]
    assert "No module named 'no_such_module'" in patterns[broken]["error"]
    assert patterns[good]["guarantees"]["held"]
    assert f"| {broken} | run | — |" in printed
