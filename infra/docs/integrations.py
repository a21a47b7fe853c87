"""Edges an API or a state machine declares inside its own document: API Gateway integrations
(OpenAPI bodies of REST and HTTP APIs, Method resources, v2 Integrations and their Routes) and
the resources a state machine's Task states call."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from infra.docs.model import API_INTEGRATION, STATE_MACHINE_TASK, Context, Edge
from infra.docs.values import refs, shown, text

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method")
_INTEGRATION_KEY = "x-amazon-apigateway-integration"
_SHOWN: tuple[str, ...] = ("type", "IntegrationType", "timeoutInMillis", "TimeoutInMillis", "payloadFormatVersion",
                           "PayloadFormatVersion")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def api_integrations(ctx: Context) -> Iterator[Edge]:
    routes: dict[tuple[str, str], list[tuple[str, tuple[tuple[str, str], ...]]]] = defaultdict(list)
    for api, route, integration in _declared_integrations(ctx):
        for target in _integration_targets(ctx, api, route, integration):
            shown_settings = tuple((key, shown(integration[key], ctx.parameters))
                                   for key in _SHOWN if key in integration)
            routes[(api, target)].append((route, shown_settings))
    for (api, target), items in sorted(routes.items()):
        labels = sorted({route for route, _ in items})
        merged = tuple(sorted({pair for _, pairs in items for pair in pairs}))
        yield Edge(api, target, API_INTEGRATION, ", ".join(labels), api, merged)


def _declared_integrations(ctx: Context) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(api logical id, "METHOD /path" or route key, integration) for every integration declared."""
    yield from _openapi_integrations(ctx)
    yield from _method_integrations(ctx)
    yield from _v2_integrations(ctx)


def _openapi_integrations(ctx: Context) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """REST and HTTP APIs whose OpenAPI body carries x-amazon-apigateway-integration (SAM's APIs)."""
    for lid, props in ctx.of_type("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        for path, item in sorted(((props.get("Body") or {}).get("paths") or {}).items()):
            for method in _METHODS:
                integration = (item or {}).get(method, {}).get(_INTEGRATION_KEY)
                if integration:
                    verb = "ANY" if method.startswith("x-") else method.upper()
                    yield lid, f"{verb} {path}", integration
        if "Target" in props:  # an HTTP API's quick create
            yield lid, "$default", {"uri": props["Target"], "type": "AWS_PROXY"}


def _method_integrations(ctx: Context) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """AWS::ApiGateway::Method resources, their path from the Resource chain."""
    paths = _resource_paths(ctx)
    for _, props in ctx.of_type("AWS::ApiGateway::Method"):
        api = ctx.target(props.get("RestApiId"))
        integration = props.get("Integration") or {}
        if api and integration:
            path = paths.get(_first_ref(props.get("ResourceId")), "/")
            yield api, f"{text(props.get('HttpMethod', 'ANY'))} {path}", {
                "uri": integration.get("Uri"), "type": integration.get("Type"),
                "requestTemplates": integration.get("RequestTemplates"),
                "timeoutInMillis": integration.get("TimeoutInMillis")}


def _v2_integrations(ctx: Context) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """AWS::ApiGatewayV2::Integration resources, labelled by the route keys whose Target names them."""
    for lid, props in ctx.of_type("AWS::ApiGatewayV2::Integration"):
        api = ctx.target(props.get("ApiId"))
        if api is None:
            continue
        keys = sorted(text(route.get("RouteKey")) for _, route in ctx.of_type("AWS::ApiGatewayV2::Route")
                      if lid in refs(route.get("Target")))
        integration = {key: value for key, value in props.items() if key != "ApiId"}
        yield api, ", ".join(keys) or lid, {**integration, "uri": props.get("IntegrationUri")}


def _first_ref(value: Any) -> str:
    names = sorted(refs(value))
    return names[0] if names else ""


def _resource_paths(ctx: Context) -> dict[str, str]:
    parents = {lid: (_first_ref(props.get("ParentId")), text(props.get("PathPart", "")))
               for lid, props in ctx.of_type("AWS::ApiGateway::Resource")}

    def path(lid: str, depth: int = 0) -> str:
        if lid not in parents or depth > 50:
            return ""
        parent, part = parents[lid]
        return f"{path(parent, depth + 1)}/{part}"

    return {lid: path(lid) for lid in parents}


def _integration_targets(ctx: Context, api: str, route: str, integration: dict[str, Any]) -> list[str]:
    kind = text(integration.get("type") or integration.get("IntegrationType") or "").lower()
    if kind == "mock":
        return []
    pointing = {key: integration.get(key) for key in ("uri", "requestTemplates", "requestParameters")}
    found = [t for t in ctx.targets(pointing) if t != api]
    if found:
        return found
    if kind.startswith("http"):
        uri = text(integration.get("uri", ""))
        node_id = "http_" + re.sub(r"[^A-Za-z0-9]+", "_", uri.split("/{")[0]).strip("_")
        return [ctx.external(node_id, f"HTTP endpoint {uri}")]
    return []


def state_machine_tasks(ctx: Context) -> Iterator[Edge]:
    for lid, props in ctx.of_type("AWS::StepFunctions::StateMachine"):
        definition, inline = _definition(props)
        substitutions = {**(props.get("DefinitionSubstitutions") or {}), **inline}
        for state_name, state in _task_states(definition):
            called = {key: state.get(key) for key in ("Resource", "Parameters", "Arguments")}
            values = [substitutions[name] for name in sorted(set(_PLACEHOLDER.findall(json.dumps(called))))
                      if name in substitutions]
            targets = ctx.targets([called, values])
            service = _service(str(state.get("Resource", "")))
            retries = tuple(("Retry", json.dumps(r, sort_keys=True)) for r in state.get("Retry", []))
            for target in targets:
                if target != lid:
                    yield Edge(lid, target, STATE_MACHINE_TASK, f"{state_name} ({service})", lid, retries)


def _definition(props: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The definition as a document, and the intrinsic values that stood inside its string form
    (named by the placeholders put in their place)."""
    if isinstance(props.get("Definition"), dict):
        return props["Definition"], {}
    raw = props.get("DefinitionString")
    inline: dict[str, Any] = {}
    if isinstance(raw, dict) and "Fn::Join" in raw:
        separator, parts = raw["Fn::Join"]
        pieces = []
        for part in parts:
            if isinstance(part, str):
                pieces.append(part)
            else:
                name = f"inline_{len(inline)}"
                inline[name] = part
                pieces.append(f"${{{name}}}")
        raw = separator.join(pieces)
    elif isinstance(raw, dict) and "Fn::Sub" in raw:
        sub = raw["Fn::Sub"]
        raw = sub[0] if isinstance(sub, list) else sub
        inline = sub[1] if isinstance(sub, list) and len(sub) > 1 else {}
        inline = {**inline, **{name: {"Ref": name} for name in _PLACEHOLDER.findall(raw) if name not in inline}}
    try:
        return (json.loads(raw) if isinstance(raw, str) else {}), inline
    except json.JSONDecodeError:
        return {}, inline


def _task_states(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in sorted((definition.get("States") or {}).items()):
        if state.get("Type") == "Task":
            yield name, state
        for branch in state.get("Branches", []):
            yield from _task_states(branch)
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(key), dict):
                yield from _task_states(state[key])


def _service(resource: str) -> str:
    """What a Task's Resource calls: "lambda:invoke", "sqs:sendMessage", or "lambda" for a bare ARN."""
    if resource.startswith("arn:") and ":states:::" in resource:
        return resource.split(":::", 1)[1].split(".", 1)[0]
    return "lambda" if ":lambda:" in resource or resource.startswith("${") else resource
