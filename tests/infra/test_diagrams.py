"""State machine diagrams are generated from the definitions, and the READMEs carry the current ones."""

from __future__ import annotations

import re
from pathlib import Path

from infra.diagrams import definition_in, main, mermaid

ROOT = Path(__file__).resolve().parents[2]


def test_a_definition_becomes_a_flowchart_with_paths_catches_and_map_items():
    text = mermaid({"StartAt": "A", "States": {
        "A": {"Type": "Map", "ItemProcessor": {"StartAt": "B", "States": {"B": {"Type": "Task", "End": True}}},
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "C"}], "Next": "D"},
        "C": {"Type": "Fail"}, "D": {"Type": "Wait", "Seconds": 5, "End": True}}})
    assert "Start((start)) --> A" in text
    assert 'subgraph A_items["each item"]' in text and "A --> A_B" in text
    assert 'A -. "States.ALL" .-> C' in text and "A --> D" in text
    assert 'D(["D<br/><small>Wait 5</small>"])' in text


def test_the_order_workflow_readme_shows_the_diagram_of_its_current_definition():
    readme = (ROOT / "patterns/order_workflow/README.md").read_text(encoding="utf-8")
    shown = re.search(r"<!-- diagram:OrderWorkflow -->\n```mermaid\n(.*?)```\n<!-- /diagram -->", readme, re.S)
    assert shown is not None
    assert shown.group(1) == mermaid(definition_in(ROOT / "patterns/order_workflow/template.yaml", "OrderWorkflow"))


def test_the_command_prints_the_diagram_and_refuses_a_missing_state_machine(capsys):
    assert main([str(ROOT / "patterns/order_workflow/template.yaml"), "OrderWorkflow"]) == 0
    assert capsys.readouterr().out.startswith("flowchart TD")
    assert main([]) == 2
