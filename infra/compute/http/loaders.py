"""Reads a deployed API from the control plane (the apigateway / apigatewayv2 APIs) into the
front door's model: REST APIs (v1) resource by resource, HTTP APIs (v2) route by route."""

from __future__ import annotations

import json
from typing import Any

from infra.compute.http.model import DEFAULT_TIMEOUT_MS, Api, Integration, IntegrationResponse, Route, UsagePlan
from infra.compute.http.paths import PathTemplate


def load_rest_api(apigw: Any, api_id: str) -> Api:
    api = apigw.get_rest_api(restApiId=api_id)
    validators = {v["id"]: v for v in apigw.get_request_validators(restApiId=api_id).get("items", [])}
    models = {m["name"]: json.loads(m.get("schema") or "{}") for m in apigw.get_models(restApiId=api_id).get("items", [])}
    routes = []
    for resource in _all(apigw.get_resources, "items", restApiId=api_id, embed=["methods"]):
        for method, spec in (resource.get("resourceMethods") or {}).items():
            if "methodIntegration" not in spec:  # embed leaves some out: ask for the method itself
                spec = apigw.get_method(restApiId=api_id, resourceId=resource["id"], httpMethod=method)
            validator = validators.get(spec.get("requestValidatorId") or "", {})
            routes.append(Route(
                method=method, path=PathTemplate.parse(resource["path"]), key=resource["path"],
                resource_id=resource["id"], integration=_rest_integration(spec.get("methodIntegration") or {}),
                api_key_required=bool(spec.get("apiKeyRequired")),
                validate_body=bool(validator.get("validateRequestBody")),
                validate_parameters=bool(validator.get("validateRequestParameters")),
                request_models={ct: models[name] for ct, name in (spec.get("requestModels") or {}).items()
                                if name in models},
                required_parameters=[k for k, required in (spec.get("requestParameters") or {}).items() if required]))
    stages = {s["stageName"]: dict(s.get("variables") or {}) for s in apigw.get_stages(restApiId=api_id)["item"]}
    return Api(api_id, "REST", api.get("name", ""), routes, stages,
               binary_media_types=list(api.get("binaryMediaTypes") or []),
               usage_plans=_usage_plans(apigw, api_id))


def _rest_integration(spec: dict[str, Any]) -> Integration:
    responses = [IntegrationResponse(str(r["statusCode"]), r.get("selectionPattern") or None,
                                     dict(r.get("responseTemplates") or {}), dict(r.get("responseParameters") or {}))
                 for r in (spec.get("integrationResponses") or {}).values()]
    return Integration(type=str(spec.get("type", "MOCK")).upper(), uri=spec.get("uri", ""),
                       http_method=spec.get("httpMethod", "POST"),
                       timeout_ms=int(spec.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS),
                       request_templates=dict(spec.get("requestTemplates") or {}),
                       request_parameters=dict(spec.get("requestParameters") or {}),
                       passthrough=str(spec.get("passthroughBehavior") or "WHEN_NO_MATCH").upper(),
                       credentials=spec.get("credentials"), responses=responses)


def _usage_plans(apigw: Any, api_id: str) -> dict[str, list[UsagePlan]]:
    plans: dict[str, list[UsagePlan]] = {}
    for plan in _all(apigw.get_usage_plans, "items"):
        stages = [s["stage"] for s in plan.get("apiStages", []) if s.get("apiId") == api_id]
        if not stages:
            continue
        throttle, quota = plan.get("throttle") or {}, plan.get("quota") or {}
        keys = {k["id"] for k in _all(apigw.get_usage_plan_keys, "items", usagePlanId=plan["id"])}
        usage = UsagePlan(plan["id"], throttle.get("rateLimit"), throttle.get("burstLimit"), quota.get("limit"),
                          quota.get("period"), keys)
        for stage in stages:
            plans.setdefault(stage, []).append(usage)
    return plans


def load_http_api(v2: Any, api_id: str) -> Api:
    """An API Gateway v2 API: HTTP, or WEBSOCKET (its route keys, $connect and the rest, are kept
    as they are for a WebSocket front door to route on)."""
    api = v2.get_api(ApiId=api_id)
    integrations = {i["IntegrationId"]: i for i in _all(v2.get_integrations, "Items", ApiId=api_id)}
    routes, default = [], None
    for item in _all(v2.get_routes, "Items", ApiId=api_id):
        target = item.get("Target", "")
        integration = integrations.get(target.split("/", 1)[1]) if target.startswith("integrations/") else None
        if integration is None:
            continue  # a route without an integration answers like an unknown route
        route_key = item["RouteKey"]
        method, _, path = route_key.partition(" ")
        route = Route(method=method.upper(), path=PathTemplate.parse(path), key=route_key,
                      integration=Integration(
                          type=str(integration["IntegrationType"]).upper(), uri=integration.get("IntegrationUri", ""),
                          http_method=integration.get("IntegrationMethod", "POST"),
                          timeout_ms=int(integration.get("TimeoutInMillis") or 30_000),
                          request_templates=dict(integration.get("RequestTemplates") or {}),
                          request_parameters=dict(integration.get("RequestParameters") or {}),
                          payload_format=str(integration.get("PayloadFormatVersion") or "2.0")),
                      api_key_required=bool(item.get("ApiKeyRequired")))
        if route_key == "$default":
            default = route
        else:
            routes.append(route)
    stages = {s["StageName"]: dict(s.get("StageVariables") or {}) for s in _all(v2.get_stages, "Items", ApiId=api_id)}
    kind = "WEBSOCKET" if api.get("ProtocolType") == "WEBSOCKET" else "HTTP"
    return Api(api_id, kind, api.get("Name", ""), routes, stages, cors=api.get("CorsConfiguration"),
               default_route=default)


def _all(call: Any, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item of a paginated apigateway / apigatewayv2 list call."""
    items: list[dict[str, Any]] = []
    token_in, token_out = ("position", "position") if key == "items" else ("NextToken", "NextToken")
    while True:
        page = call(**kwargs)
        items += page.get(key, [])
        token = page.get(token_out)
        if not token:
            return items
        kwargs[token_in] = token
