"""Finding Python 3.13."""

from __future__ import annotations

import sys

import pytest

from infra.localstack import exceptions, system


def test_find_python313_rejects_other_versions(tmp_path):
    if sys.version_info[:2] == (3, 13):
        pytest.skip("this interpreter is 3.13")
    with pytest.raises(exceptions.LocalStackHostError, match="Python 3.13 not found"):
        system.find_python313(candidates=[sys.executable, str(tmp_path / "missing")], environ={})


def fake_python(path, version: str):
    """An executable that answers the version probe as a Python of ``version`` would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    major, minor = version.split(".")[:2]
    path.write_text(f"#!/bin/sh\necho {major} {minor}\n")
    path.chmod(0o755)
    return path


def test_python313_is_found_among_pyenv_versions_newest_first(tmp_path):
    root = tmp_path / "pyenv"
    fake_python(root / "versions" / "3.11.7" / "bin" / "python3", "3.11.7")
    fake_python(root / "versions" / "3.13.0" / "bin" / "python3", "3.13.0")
    newest = fake_python(root / "versions" / "3.13.2" / "bin" / "python3", "3.13.2")
    environ = {"PYENV_ROOT": str(root), "PATH": str(tmp_path / "empty-path")}

    assert system.find_python313(environ=environ) == str(newest)


def test_python313_is_found_on_path(tmp_path):
    on_path = fake_python(tmp_path / "bin" / "python3.13", "3.13.1")
    assert system.find_python313(environ={"PATH": str(tmp_path / "bin")}) == str(on_path)


def test_the_environment_variable_wins_and_naming_another_version_is_an_error(tmp_path):
    chosen = fake_python(tmp_path / "mine" / "python", "3.13.0")
    fake_python(tmp_path / "bin" / "python3.13", "3.13.1")
    environ = {"LOCALSTACK_PYTHON": str(chosen), "PATH": str(tmp_path / "bin")}
    assert system.find_python313(environ=environ) == str(chosen)

    wrong = fake_python(tmp_path / "old" / "python", "3.12.4")
    with pytest.raises(exceptions.LocalStackHostError, match=r"\$LOCALSTACK_PYTHON=.* is not a Python 3.13"):
        system.find_python313(environ={**environ, "LOCALSTACK_PYTHON": str(wrong)})


def test_the_error_is_a_toolkit_error_naming_where_it_looked(tmp_path):
    from infra.exceptions import ToolkitError

    with pytest.raises(ToolkitError, match="Python 3.13 not found .*looked at: nothing"):
        system.find_python313(environ={"PATH": str(tmp_path)})
