"""Every pattern folder has the same parts, so none drifts."""

from __future__ import annotations

import subprocess
import sys

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


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_pattern_template_passes_cfn_lint(pattern):
    # cfn-lint runs in its own process: in-process it leaves global state behind (SAM translator)
    lint = subprocess.run([sys.executable, "-c", "from cfnlint.runner.cli import main; main()", str(pattern.template)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout
