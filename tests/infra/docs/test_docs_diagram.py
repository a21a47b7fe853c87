"""The diagram's two renderings: DOT (for Graphviz's SVG) and Mermaid text."""

from __future__ import annotations

from docs_fixtures import needs_graphviz

from infra.docs.diagram import dot_source, mermaid, render_svg
from infra.docs.model import DEAD_LETTER_QUEUE, EVENT_SOURCE_MAPPING, REFERENCE, Edge, Graph, Node

GRAPH = Graph({"Queue": Node("Queue", "SQS queue", "AWS::SQS::Queue"),
               "end": Node("end", 'a "quoted" kind', "AWS::Lambda::Function"),
               "Dead": Node("Dead", "SQS queue", "AWS::SQS::Queue")},
              [Edge("Queue", "end", EVENT_SOURCE_MAPPING, 'batch "10"'),
               Edge("Queue", "Dead", DEAD_LETTER_QUEUE, "after 3 receives"),
               Edge("end", "Queue", REFERENCE, "QUEUE_URL")])


def test_mermaid_escapes_quotes_avoids_reserved_ids_and_dashes_failure_and_reference_edges():
    text = mermaid(GRAPH)
    assert text.splitlines()[0] == "flowchart LR"
    assert 'end_["end<br/>a #quot;quoted#quot; kind"]' in text
    assert 'Queue -->|"batch #quot;10#quot;"| end_' in text
    assert 'Queue -.->|"DLQ after 3 receives"| Dead' in text
    assert "end_ -.-> Queue" in text


def test_dot_source_quotes_labels():
    assert 'label="batch \\"10\\""' in dot_source("p", GRAPH)


@needs_graphviz
def test_the_svg_has_every_node_and_no_graphviz_version():
    svg = render_svg(dot_source("p", GRAPH))
    assert svg.count('class="node"') == 3 and "graphviz version" not in svg
    assert render_svg(dot_source("p", GRAPH)) == svg
