"""The compute plane's hooks use moto's private API: the installed moto must be the pinned one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.compute.moto_hooks import PINNED_MOTO, check_moto_version
from infra.exceptions import ToolkitError


def test_pyproject_pins_the_moto_the_hooks_were_written_for():
    pyproject = (Path(__file__).resolve().parents[3] / "pyproject.toml").read_text()
    assert re.search(r'"moto\[server\]==([\d.]+)"', pyproject).group(1) == PINNED_MOTO


def test_another_moto_is_a_one_line_error_naming_both_versions():
    with pytest.raises(ToolkitError, match=rf"moto 5.3.0 is installed, .* moto {PINNED_MOTO}'s private API"):
        check_moto_version("5.3.0")


def test_the_pinned_moto_passes():
    check_moto_version(PINNED_MOTO)
