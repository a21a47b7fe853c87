"""What a pattern's ``workload.py`` provides: the demo ``run`` drives, and what must hold after it.

A workload module has ``run(cloud, stack, progress) -> result``, ``summary_lines(result)``,
``outcome(result)`` (what must come out the same on every target) and ``invariants(result)``
(what the pattern promises, checked from what the run observed in the stores; ``samplecli.py
run`` exits non-zero when one does not hold). ``serve_extras(cloud, stack, say)`` (a context
manager around ``serve``) is optional.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Protocol

if TYPE_CHECKING:
    from infra.cloud import Cloud
    from infra.deploy import Stack

Progress = Callable[[str], None]
Result = dict[str, Any]


@dataclass(frozen=True)
class Invariant:
    """One promise of the pattern and whether the run kept it (``detail`` says how it was seen)."""

    name: str
    held: bool
    detail: str = ""

    def line(self) -> str:
        return f"  {'held  ' if self.held else 'BROKEN'}  {self.name}" + (f": {self.detail}" if self.detail else "")


class Workload(Protocol):
    def run(self, cloud: Cloud, stack: Stack, progress: Progress = ...) -> Result: ...

    def summary_lines(self, result: Result) -> list[str]: ...

    def outcome(self, result: Result) -> dict[str, Any]: ...

    def invariants(self, result: Result) -> list[Invariant]: ...


class ServesExtras(Protocol):
    def serve_extras(self, cloud: Cloud, stack: Stack, say: Progress) -> ContextManager[None]: ...


def broken(invariants: list[Invariant]) -> list[Invariant]:
    return [item for item in invariants if not item.held]
