"""State machine diagrams generated from their definitions (Mermaid flowcharts), never drawn by hand.

    python -m infra.diagrams patterns/order_workflow/template.yaml OrderWorkflow

prints the Mermaid text of the template's state machine ``OrderWorkflow``: every state, its
``Next``/``Default``/``Choices`` edges (solid), its ``Catch`` edges (dashed, labelled with the
errors), Retry noted on the state, a Map's item processor as a subgraph.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from infra.exceptions import TemplateError
from infra.template import load

_SHAPES = {"Choice": ("{", "}"), "Wait": ("([", "])"), "Succeed": ("((", "))"), "Fail": ("((", "))"),
           "Map": ("[[", "]]")}


def definition_in(template: Path, logical_id: str) -> dict[str, Any]:
    resource = load(template)["Resources"].get(logical_id)
    if resource is None or "Definition" not in resource.get("Properties", {}):
        raise TemplateError(f"{template}: no state machine {logical_id} with an inline Definition")
    return resource["Properties"]["Definition"]


def _label(name: str, state: dict[str, Any]) -> str:
    kind = state.get("Type", "")
    detail = kind
    if kind == "Task":
        resource = str(state.get("Resource", ""))
        detail = resource.rsplit(":", 1)[-1] if resource.startswith("arn:aws:states:::") else "Task"
    if kind == "Wait":
        detail = f"Wait {state.get('Seconds', state.get('SecondsPath', ''))}"
    if state.get("Retry"):
        detail += ", retried"
    return f"{name}<br/><small>{detail}</small>"


def _states(lines: list[str], states: dict[str, Any], prefix: str) -> None:
    for name, state in states.items():
        node = f"{prefix}{name}"
        left, right = _SHAPES.get(state.get("Type", ""), ("[", "]"))
        lines.append(f'    {node}{left}"{_label(name, state)}"{right}')
        if state.get("Type") == "Map":
            inner = state.get("ItemProcessor") or state.get("Iterator") or {}
            lines.append(f'    subgraph {node}_items["each item"]')
            _states(lines, inner.get("States", {}), f"{node}_")
            lines.append("    end")
            lines.append(f"    {node} --> {node}_{inner.get('StartAt')}")
        for choice in state.get("Choices", []):
            lines.append(f"    {node} --> {prefix}{choice['Next']}")
        for key in ("Next", "Default"):
            if key in state:
                lines.append(f"    {node} --> {prefix}{state[key]}")
        for catch in state.get("Catch", []):
            lines.append(f"    {node} -. \"{', '.join(catch['ErrorEquals'])}\" .-> {prefix}{catch['Next']}")
        if state.get("End"):
            lines.append(f"    {node} --> {prefix}End((end))")


def mermaid(definition: dict[str, Any]) -> str:
    """A Mermaid flowchart of an Amazon States Language definition."""
    lines = ["flowchart TD", f"    Start((start)) --> {definition['StartAt']}"]
    _states(lines, definition["States"], "")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m infra.diagrams TEMPLATE STATE_MACHINE_LOGICAL_ID", file=sys.stderr)
        return 2
    print(mermaid(definition_in(Path(argv[0]), argv[1])), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
