"""The request/event flow in numbered steps, and failure handling, both read off the graph."""

from __future__ import annotations

import json
from collections import deque

from infra.docs.markdown import code
from infra.docs.model import (ALARM_ACTION, API_INTEGRATION, CLIENT_CALL, DEAD_LETTER_QUEUE, DESTINATION,
                              EVENT_SOURCE_MAPPING, FLOW_KINDS, PIPE, REFERENCE, S3_NOTIFICATION, SCHEDULE,
                              SNS_SUBSCRIPTION, STATE_MACHINE_TASK, Edge, Graph)
from infra.docs.sections import ASYNC_KINDS, asynchronous_retries, node_name
from infra.docs.source import PatternSource


def _step(edge: Edge, graph: Graph) -> str:
    source, target, label = node_name(graph, edge.source), node_name(graph, edge.target), edge.label
    if edge.kind == CLIENT_CALL:
        if label == "puts":
            return f"A client puts into {target} ({graph.nodes[edge.target].kind})."
        return f"A client calls {target} ({graph.nodes[edge.target].kind}) over {label}."
    if edge.kind == API_INTEGRATION:
        types = sorted({value for key, value in edge.settings if key.lower() in ("type", "integrationtype")})
        return f"{source} routes {label} to {target}" + (f" ({', '.join(types)} integration)." if types else ".")
    if edge.kind == S3_NOTIFICATION:
        return f"{source} notifies {target} on {code(label)}."
    if edge.kind == SNS_SUBSCRIPTION:
        return f"{source} delivers a copy of each message to {target} ({label} subscription)."
    if edge.kind == EVENT_SOURCE_MAPPING:
        return f"Lambda polls {source} and invokes {target} with batches ({label or 'default settings'})."
    if edge.kind == PIPE:
        return f"{target} reads from {source}." if label == "source" else f"{source} sends to {target} ({label})."
    if edge.kind == STATE_MACHINE_TASK:
        return f"{source} calls {target} in the Task state {label}."
    if edge.kind == SCHEDULE:
        return f"{source} invokes {target} ({label})."
    if edge.kind == ALARM_ACTION:
        return f"{source} notifies {target} ({label})."
    return f"{source} → {target} ({edge.kind}: {label})."


def flow_steps(graph: Graph) -> str:
    """Breadth first from what starts a flow (the client, schedulers, rules: nodes nothing in the
    template feeds), one step per flow edge, each function followed by what it uses."""
    fed = {e.target for e in graph.of_kind(*FLOW_KINDS)}
    starts = sorted({e.source for e in graph.of_kind(*FLOW_KINDS) if e.source not in fed},
                    key=lambda n: (n != "Client", n))
    seen_edges: set[Edge] = set()
    seen_nodes = set(starts)
    queue = deque(starts)
    lines: list[str] = []
    while queue:
        node = queue.popleft()
        for edge in graph.out_of(node, FLOW_KINDS):
            if edge in seen_edges:
                continue
            seen_edges.add(edge)
            lines.append(_step(edge, graph))
            uses = graph.out_of(edge.target, (REFERENCE,))
            if edge.target not in seen_nodes and uses:
                lines.append(f"{code(edge.target)} uses " + ", ".join(
                    f"{code(u.target)} ({u.label})" for u in uses) + ".")
            if edge.target not in seen_nodes:
                seen_nodes.add(edge.target)
                queue.append(edge.target)
    if not lines:
        return "The template declares no flow between its resources (nothing triggers its functions)."
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1))


def failure_handling(source: PatternSource, graph: Graph) -> str:
    lines = []
    for edge in graph.of_kind(DEAD_LETTER_QUEUE, DESTINATION):
        what = "dead-letter queue" if edge.kind == DEAD_LETTER_QUEUE else "destination"
        lines.append(f"{node_name(graph, edge.source)} → {what} {node_name(graph, edge.target)} ({edge.label}).")
    lines += [_mapping_failure(graph, edge) for edge in graph.of_kind(EVENT_SOURCE_MAPPING)]
    lines += [line for edge in graph.edges for line in [_invocation_failure(source, graph, edge)] if line]
    return "\n".join(f"- {line}" for line in lines) if lines else "The template declares no failure handling."


def _mapping_failure(graph: Graph, edge: Edge) -> str:
    settings = dict(edge.settings)
    partial = "ReportBatchItemFailures" in settings.get("FunctionResponseTypes", "")
    line = (f"{node_name(graph, edge.source)} → {node_name(graph, edge.target)}: "
            + ("partial batch responses (only the failed records are retried)" if partial
               else "a failed batch is retried as a whole"))
    for key in ("MaximumRetryAttempts", "BisectBatchOnFunctionError", "MaximumRecordAgeInSeconds"):
        if key in settings:
            line += f"; {key} {code(settings[key])}"
    if not graph.out_of(edge.source, (DEAD_LETTER_QUEUE,)) and not graph.out_of(edge.target, (DESTINATION,)):
        line += "; no DLQ or on-failure destination: a record that keeps failing is retried until it expires"
    return line + "."


def _invocation_failure(source: PatternSource, graph: Graph, edge: Edge) -> str | None:
    """What happens when a call along a flow edge fails, by how the call is made."""
    path = f"{node_name(graph, edge.source)} → {node_name(graph, edge.target)}"
    if edge.kind in ASYNC_KINDS and graph.nodes[edge.target].type == "AWS::Lambda::Function":
        kept = graph.out_of(edge.target, (DEAD_LETTER_QUEUE, DESTINATION))
        where = (", ".join(node_name(graph, k.target) for k in kept) if kept
                 else "nowhere (no DLQ or on-failure destination)")
        return (f"{path} is asynchronous: {asynchronous_retries(source, edge.target)} retries, "
                f"then the event goes to {where}.")
    if edge.kind == SNS_SUBSCRIPTION and not [d for d in graph.out_of(edge.source, (DEAD_LETTER_QUEUE,))
                                              if d.origin == edge.origin]:
        return (f"{path}: SNS retries server-side delivery failures by its delivery policy (to SQS and Lambda: "
                "100,015 attempts over 23 days) and not client-side ones (a deleted queue, a denying policy); with "
                "no subscription dead-letter queue, an undelivered message is lost.")
    if edge.kind == API_INTEGRATION:
        return (f"{path} ({edge.label}) is synchronous: an error or a timeout goes back to the caller "
                "(API Gateway's 5xx), nothing is retried.")
    if edge.kind == STATE_MACHINE_TASK:
        retries = [json.loads(value) for key, value in edge.settings if key == "Retry"]
        handled = "; ".join(", ".join(r.get("ErrorEquals", [])) + f" up to {r.get('MaxAttempts', 3)} times"
                            for r in retries)
        return f"{path} ({edge.label}): " + (f"retried on {handled}." if retries
                                             else "no Retry: a failing task fails the execution.")
    return None
