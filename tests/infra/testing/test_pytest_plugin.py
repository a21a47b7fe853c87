"""The toolkit's pytest plugin, as a user's project gets it: a pytest run of its own (another
process, another folder, none of this project's conftest files) on the sample app."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_APP = ROOT / "tests" / "sample_app"
PLUGIN = "infra.testing.plugin"


def run_pytest_on_a_copy_of_the_sample_app(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    app = tmp_path / "my-sam-app"
    shutil.copytree(SAMPLE_APP, app, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's toolkit, whatever is installed
    return subprocess.run([sys.executable, "-m", "pytest", *options, "-p", "no:cacheprovider", "-q",
                           str(app / "test_sample_app.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)


def test_a_users_project_gets_cloud_and_events_from_the_plugin(tmp_path):
    result = run_pytest_on_a_copy_of_the_sample_app(tmp_path, "-p", PLUGIN)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_without_the_plugin_the_fixtures_are_missing(tmp_path):
    """The run above passes because of the plugin, not of anything else on the path."""
    result = run_pytest_on_a_copy_of_the_sample_app(tmp_path, "-p", f"no:{PLUGIN}")
    assert result.returncode != 0
    assert "fixture 'cloud' not found" in result.stdout


def test_pyproject_declares_the_plugin_as_a_pytest11_entry_point():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    assert declared == {PLUGIN: PLUGIN}  # named as the module: `-p` and the entry point are one plugin
    assert hasattr(importlib.import_module(declared[PLUGIN]), "cloud")


def test_the_installed_entry_point_activates_the_plugin_without_options(tmp_path):
    installed = {ep.name for ep in importlib.metadata.entry_points(group="pytest11")}
    if PLUGIN not in installed:
        pytest.skip("the installed toolkit predates its pytest11 entry point: run pip install -e . again")
    result = run_pytest_on_a_copy_of_the_sample_app(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
