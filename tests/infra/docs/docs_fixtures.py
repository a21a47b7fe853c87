"""Helpers of the docs generator's tests: a pattern folder made from an inline template."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from infra.registry import Pattern

needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None,
                                    reason="Graphviz's dot is not installed (scripts/install-system-packages)")

HEADER = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: An inline template for one test.
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
    Handler: app.handler
"""


def make_pattern(root: Path, name: str, resources_yaml: str, readme: str | None = None) -> Pattern:
    """A pattern folder ``root/name`` with a template (HEADER + the given Resources section), a code
    folder and, when given, a README."""
    folder = root / name
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "app.py").write_text("def handler(event, context):\n    return event\n")
    (folder / "template.yaml").write_text(HEADER + textwrap.dedent(resources_yaml))
    if readme is not None:
        (folder / "README.md").write_text(readme)
    return Pattern(name.replace("_", "-"), folder)
