"""Patterns are found, not registered: every folder under patterns/ with a template.yaml.

A user's own SAM app is found the same way: a path to a folder holding a template.yaml (and its
code), with an optional workload.py used as a pattern's is.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import re
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

    @property
    def has_workload(self) -> bool:
        return (self.folder / "workload.py").is_file()

    def workload(self) -> Workload:
        if self.folder.parent == PATTERNS_DIR:
            return cast(Workload, importlib.import_module(f"patterns.{self.folder.name}.workload"))
        if not self.has_workload:
            raise UnknownPatternError(f"{self.folder} has no workload.py")
        # a user's app: its workload.py loaded from the file, under a name of its own
        spec = importlib.util.spec_from_file_location(f"toolkit_app_{self.folder.name}_workload",
                                                      self.folder / "workload.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return cast(Workload, module)

    @property
    def has_websocket_api(self) -> bool:
        """Whether the template declares an API Gateway WebSocket API (serve gives it a port)."""
        from infra.template import load

        resources = load(self.template).get("Resources", {})
        return any(r.get("Type") == "AWS::ApiGatewayV2::Api"
                   and (r.get("Properties") or {}).get("ProtocolType") == "WEBSOCKET" for r in resources.values())

    def serve_extras(self, cloud: Cloud, stack: Stack, say: Progress) -> ContextManager[Any]:
        """The workload's own context around ``serve`` (a legacy backend, extra URLs), if it has one."""
        workload = self.workload() if self.has_workload else None
        if workload is not None and hasattr(workload, "serve_extras"):
            return cast(ServesExtras, workload).serve_extras(cloud, stack, say)
        return contextlib.nullcontext()

    @property
    def summary(self) -> str:
        doc = (self.workload().__doc__ or "") if self.has_workload else ""
        return doc.strip().splitlines()[0] if doc.strip() else ""


def all_patterns(root: Path = PATTERNS_DIR) -> list[Pattern]:
    """Every folder under ``root`` (default: the project's patterns/) with a template.yaml."""
    return [Pattern(folder.name.replace("_", "-"), folder)
            for folder in sorted(root.iterdir()) if (folder / "template.yaml").is_file()]


def get(name: str) -> Pattern:
    """A pattern by name, or a user's app by the path of its folder (or of its template.yaml)."""
    for pattern in all_patterns():
        if pattern.name == name or pattern.folder.name == name:
            return pattern
    app = app_at(Path(name))
    if app is not None:
        return app
    known = ", ".join(p.name for p in all_patterns())
    raise UnknownPatternError(f"no pattern named '{name}' (known: {known}) and no folder with a template.yaml "
                              f"at {Path(name).resolve()}")


def app_at(path: Path) -> Pattern | None:
    """A user's SAM app: a folder holding template.yaml; its name (and stack name) from the folder's."""
    folder = path.parent if path.is_file() and path.name == "template.yaml" else path
    if not (folder / "template.yaml").is_file():
        return None
    folder = folder.resolve()
    name = re.sub(r"[^A-Za-z0-9-]+", "-", folder.name).strip("-") or "app"
    return Pattern(name if name[0].isalpha() else f"app-{name}", folder)
