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


# On Lambda's Python runtime: the standard library, boto3 and botocore (and what they bring)
RUNTIME_PROVIDED = set(sys.stdlib_module_names) | {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3"}


def _code_folders(pattern: registry.Pattern) -> dict[str, Path]:
    """Each function's code folder, by logical id (its own CodeUri, else the Globals' one)."""
    template = load(pattern.template)
    default = (template.get("Globals", {}).get("Function") or {}).get("CodeUri")
    folders = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") == "AWS::Serverless::Function":
            uri = (resource.get("Properties") or {}).get("CodeUri", default)
            if isinstance(uri, str) and not uri.startswith("s3://"):
                folders[logical_id] = (pattern.folder / uri).resolve()
    return folders


def _third_party_imports(folder: Path) -> set[str]:
    import ast

    local = {p.stem for p in folder.iterdir()} | {p.name for p in folder.iterdir() if p.is_dir()}
    shared_txt = folder / "shared.txt"  # shared packages copied into the zip: one path per line, # comments
    shared = {Path(line.split("#")[0].strip()).name for line in shared_txt.read_text().splitlines()
              if line.split("#")[0].strip()} if shared_txt.is_file() else set()
    found = set()
    for source in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
            found |= {name.split(".")[0] for name in names}
    return found - RUNTIME_PROVIDED - local - shared


SHARED_DIR = registry.PATTERNS_DIR.parent / "functions" / "shared"
SHARED_LIBRARIES = {p.name for p in SHARED_DIR.iterdir() if (p / "__init__.py").is_file()}


def _top_level_imports(folder: Path) -> set[str]:
    import ast

    found = set()
    for source in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_every_function_zip_ships_the_shared_libraries_its_code_and_libraries_import(pattern):
    from infra.packaging import shared_packages

    for logical_id, folder in _code_folders(pattern).items():
        shipped = shared_packages(folder)
        imported = _top_level_imports(folder).union(*(_top_level_imports(source) for source in shipped.values()))
        local = {p.name for p in folder.iterdir() if p.is_dir()}
        missing = (imported & SHARED_LIBRARIES) - set(shipped) - local
        assert not missing, f"{logical_id}: {folder.name}/ imports {sorted(missing)}: list ../shared/<name> in its shared.txt"


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_every_function_has_its_code_folder_handler_and_requirements(pattern):
    for logical_id, folder in _code_folders(pattern).items():
        assert folder.is_dir(), f"{logical_id}: CodeUri {folder} does not exist"
        needs = _third_party_imports(folder)
        assert not needs or (folder / "requirements.txt").is_file(), \
            f"{folder.name}/ imports {sorted(needs)} but has no requirements.txt for them"
