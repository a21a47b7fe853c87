"""Patterns are found, not registered: every folder under patterns/ with a template.yaml."""

from __future__ import annotations

import contextlib
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ContextManager, cast

from infra.exceptions import UnknownPatternError
from infra.workload import Progress, ServesExtras, Workload

if TYPE_CHECKING:
    from infra.cloud import Cloud
    from infra.deploy import Stack

PATTERNS_DIR = Path(__file__).resolve().parent.parent / "patterns"


@dataclass(frozen=True)
class Pattern:
    name: str  # the CLI name, e.g. file-conversion
    folder: Path

    @property
    def template(self) -> Path:
        return self.folder / "template.yaml"

    @property
    def stack_name(self) -> str:
        return self.name

    def workload(self) -> Workload:
        return cast(Workload, importlib.import_module(f"patterns.{self.folder.name}.workload"))

    def serve_extras(self, cloud: Cloud, stack: Stack, say: Progress) -> ContextManager[Any]:
        """The workload's own context around ``serve`` (a legacy backend, extra URLs), if it has one."""
        workload = self.workload()
        if hasattr(workload, "serve_extras"):
            return cast(ServesExtras, workload).serve_extras(cloud, stack, say)
        return contextlib.nullcontext()

    @property
    def summary(self) -> str:
        doc = self.workload().__doc__ or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""


def all_patterns(root: Path = PATTERNS_DIR) -> list[Pattern]:
    """Every folder under ``root`` (default: the project's patterns/) with a template.yaml."""
    return [Pattern(folder.name.replace("_", "-"), folder)
            for folder in sorted(root.iterdir()) if (folder / "template.yaml").is_file()]


def get(name: str) -> Pattern:
    for pattern in all_patterns():
        if pattern.name == name or pattern.folder.name == name:
            return pattern
    known = ", ".join(p.name for p in all_patterns())
    raise UnknownPatternError(f"no pattern named '{name}' (known: {known})")
