"""Patterns are found, not registered: every folder under patterns/ with a template.yaml."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from infra.exceptions import UnknownPatternError

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

    def workload(self) -> ModuleType:
        return importlib.import_module(f"patterns.{self.folder.name}.workload")

    @property
    def summary(self) -> str:
        doc = self.workload().__doc__ or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""


def all_patterns() -> list[Pattern]:
    return [Pattern(folder.name.replace("_", "-"), folder)
            for folder in sorted(PATTERNS_DIR.iterdir()) if (folder / "template.yaml").is_file()]


def get(name: str) -> Pattern:
    for pattern in all_patterns():
        if pattern.name == name or pattern.folder.name == name:
            return pattern
    known = ", ".join(p.name for p in all_patterns())
    raise UnknownPatternError(f"no pattern named '{name}' (known: {known})")
