"""The tables of a page: resources, each function's triggers with their settings, each
function's permissions."""

from __future__ import annotations

from typing import Any

from infra.docs.graph import kind_of
from infra.docs.markdown import code, settings_text, table
from infra.docs.model import (ALARM_ACTION, API_INTEGRATION, DEAD_LETTER_QUEUE, DESTINATION, EVENT_SOURCE_MAPPING,
                              FLOW_KINDS, S3_NOTIFICATION, SCHEDULE, SNS_SUBSCRIPTION, Graph)
from infra.docs.permissions import function_roles, managed_policies, statements
from infra.docs.source import PatternSource
from infra.docs.values import as_list, refs, shown, text

_LONGEST_VALUE = 80
ASYNC_KINDS = (S3_NOTIFICATION, SNS_SUBSCRIPTION, SCHEDULE, ALARM_ACTION)


def node_name(graph: Graph, node_id: str) -> str:
    """A resource by its logical id; a party outside the template (its id made up) by what it is."""
    node = graph.nodes.get(node_id)
    return code(node_id) if node is None or node.type else node.kind


def _scalars(properties: dict[str, Any], parameters: dict[str, Any]) -> str:
    """A resource's simple settings (strings, numbers, booleans, parameter references)."""
    pairs = []
    for key, value in sorted(properties.items()):
        if key in ("Code", "Tags") or isinstance(value, list):
            continue
        if isinstance(value, dict) and not (set(value) == {"Ref"} and value["Ref"] in parameters):
            continue
        text = shown(value, parameters)
        pairs.append((key, text if len(text) <= _LONGEST_VALUE else text[:_LONGEST_VALUE - 3] + "..."))
    return settings_text(pairs)


def resources_table(source: PatternSource) -> str:
    rows = []
    for lid, resource in sorted(source.resources.items()):
        props = resource.get("Properties") or {}
        what = kind_of(resource.get("Type", ""), props)
        folder = source.code_folders.get(lid)
        code_folder = f"code: {code(_relative(source, folder))}; " if folder else ""
        rows.append((code(lid), what, code(resource.get("Type", "")), code_folder + _scalars(props, source.parameters)))
    return table(("logical id", "what", "type", "settings"), rows)


def _relative(source: PatternSource, folder: Any) -> str:
    root = source.folder.parent.parent
    try:
        return str(folder.relative_to(root)) + "/"
    except ValueError:
        return folder.name + "/"


def functions(source: PatternSource) -> list[str]:
    return sorted(lid for lid, r in source.resources.items() if r.get("Type") == "AWS::Lambda::Function")


def triggers_section(source: PatternSource, graph: Graph) -> str:
    parts = []
    for function in functions(source):
        rows = []
        for edge in graph.into(function, FLOW_KINDS):
            rows.append((edge.kind, node_name(graph, edge.source), edge.label,
                         settings_text(edge.settings) + _around(source, graph, edge)))
        body = table(("trigger", "from", "what", "settings"), rows) if rows else (
            "No trigger in the template: it is invoked directly (by another function, or through an ARN built at "
            "run time).")
        parts.append(f"#### {function}\n\n{body}")
    return "\n\n".join(parts) if parts else "The template declares no Lambda function."


def _around(source: PatternSource, graph: Graph, edge: Any) -> str:
    """What the source and target add to a trigger: the queue's visibility and redrive, the
    function's asynchronous retries, DLQ and destinations."""
    extra = []
    if edge.kind == EVENT_SOURCE_MAPPING:
        queue = (source.resources.get(edge.source) or {}).get("Properties") or {}
        if "VisibilityTimeout" in queue:
            extra.append(("queue VisibilityTimeout", shown(queue["VisibilityTimeout"], source.parameters)))
        for dlq in graph.out_of(edge.source, (DEAD_LETTER_QUEUE,)):
            extra.append(("queue DLQ", f"{dlq.target} ({dlq.label})"))
    if edge.kind in ASYNC_KINDS:
        extra.append(("asynchronous retries", asynchronous_retries(source, edge.target)))
        for failure in graph.out_of(edge.target, (DEAD_LETTER_QUEUE, DESTINATION)):
            extra.append((failure.kind, f"{failure.target} ({failure.label})"))
    if edge.kind == API_INTEGRATION:
        extra.append(("invocation", "synchronous: errors go back to the caller, no retry"))
    return ("; " if edge.settings and extra else "") + settings_text(extra)


def asynchronous_retries(source: PatternSource, function: str) -> str:
    for _, resource in sorted(source.resources.items()):
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Lambda::EventInvokeConfig" and function in refs(props.get("FunctionName")):
            if "MaximumRetryAttempts" in props:
                return shown(props["MaximumRetryAttempts"], source.parameters)
    return "2 (Lambda's default)"


def permissions_section(source: PatternSource) -> str:
    roles = function_roles(source.resources)
    parts = []
    for function in functions(source):
        role = roles.get(function)
        managed = managed_policies(source.resources, role)
        lines = [f"#### {function}", "", f"Role: {code(role) if role else 'not in the template'}."]
        if managed:
            lines.append("Managed policies: " + ", ".join(code(arn.rsplit('/', 1)[-1]) for arn in managed) + ".")
        lines += ["", _statements_table(source, role)]
        parts.append("\n".join(lines))
    parts += _other_roles(source, set(roles.values()))
    return "\n\n".join(parts) if parts else "The template declares no IAM role."


def _other_roles(source: PatternSource, used: set[str]) -> list[str]:
    """Roles no function runs with: what a service (API Gateway, Scheduler, Step Functions) may do."""
    parts = []
    for lid, resource in sorted(source.resources.items()):
        if resource.get("Type") != "AWS::IAM::Role" or lid in used:
            continue
        trust = (resource.get("Properties") or {}).get("AssumeRolePolicyDocument") or {}
        services = sorted({text(s) for st in as_list(trust.get("Statement"))
                           for s in as_list((st.get("Principal") or {}).get("Service"))})
        assumed = ", ".join(code(s) for s in services) or "see the template"
        parts.append("\n".join([f"#### {lid} (role)", "", f"Assumed by: {assumed}.", "",
                                _statements_table(source, lid)]))
    return parts


def _statements_table(source: PatternSource, role: str | None) -> str:
    rows = [(s.effect, ", ".join(code(a) for a in s.actions), ", ".join(code(r) for r in s.resource_texts()))
            for s in statements(source.resources, role)]
    return table(("effect", "actions", "resources"), rows) if rows else "No inline statements."
