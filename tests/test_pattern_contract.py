"""Every pattern folder has the same parts, so none drifts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infra import registry
from infra.template import load

PATTERNS = registry.all_patterns()
README_SECTIONS = ("## How it works", "## Trade-offs", "## Deploy", "## Cleanup")


def test_there_is_at_least_one_pattern():
    assert PATTERNS


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_pattern_has_template_workload_readme_and_tests(pattern):
    assert load(pattern.template)["Resources"]
    workload = pattern.workload()
    assert callable(workload.run) and callable(workload.summary_lines) and pattern.summary
    assert callable(workload.outcome), "outcome(result): what must come out the same on every target"
    assert callable(workload.invariants), "invariants(result): what the pattern promises, checked after a run"
    readme = (pattern.folder / "README.md").read_text(encoding="utf-8")
    for section in README_SECTIONS:
        assert section in readme, f"{pattern.name} README lacks '{section}'"
    tests = registry.PATTERNS_DIR.parent / "tests" / "patterns" / f"test_{pattern.folder.name}.py"
    assert tests.is_file()


def _cfn_lint(template: Path) -> subprocess.CompletedProcess[str]:
    # In its own process (cfnlint has no __main__): in-process it leaves SAM translator state
    # behind that later deploys would inherit.
    return subprocess.run([sys.executable, "-c", "from cfnlint.runner.cli import main; main()", str(template)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_pattern_template_passes_cfn_lint(pattern):
    lint = _cfn_lint(pattern.template)
    assert lint.returncode == 0, lint.stdout + lint.stderr  # no errors, no warnings


def test_cfn_lint_reports_errors_it_finds(tmp_path):
    # the lint test above would pass vacuously if cfn-lint could not find an error
    broken = tmp_path / "template.yaml"
    broken.write_text("Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      Bogus: 1\n")
    lint = _cfn_lint(broken)
    assert lint.returncode & 2 and "E3002" in lint.stdout  # its exit code is a bit set: 2 means errors
