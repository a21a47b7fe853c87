"""What the front door knows of a deployed API, read once from the control plane (and again
after a deploy): its routes with their integrations, stages, keys and usage plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infra.compute.http.paths import PathTemplate

DEFAULT_TIMEOUT_MS = 29_000


@dataclass
class IntegrationResponse:
    status_code: str
    selection_pattern: str | None  # None: the default
    templates: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class Integration:
    type: str  # AWS_PROXY, AWS, HTTP_PROXY, HTTP, MOCK
    uri: str = ""
    http_method: str = "POST"
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    request_templates: dict[str, str] = field(default_factory=dict)
    request_parameters: dict[str, str] = field(default_factory=dict)
    passthrough: str = "WHEN_NO_MATCH"
    credentials: str | None = None
    responses: list[IntegrationResponse] = field(default_factory=list)
    payload_format: str = "1.0"  # HTTP APIs: the Lambda event's version


@dataclass
class Route:
    method: str  # GET ... or ANY
    path: PathTemplate
    integration: Integration
    key: str = ""  # "GET /orders/{id}" (HTTP APIs' route key), the resource path for REST APIs
    resource_id: str = ""
    api_key_required: bool = False
    validate_body: bool = False
    validate_parameters: bool = False
    request_models: dict[str, Any] = field(default_factory=dict)  # content type -> JSON schema
    required_parameters: list[str] = field(default_factory=list)  # method.request.querystring.x ...


@dataclass
class UsagePlan:
    id: str
    rate_limit: float | None
    burst_limit: int | None
    quota_limit: int | None
    quota_period: str | None
    key_ids: set[str] = field(default_factory=set)


@dataclass
class Api:
    id: str
    kind: str  # "REST" (API Gateway v1), "HTTP" or "WEBSOCKET" (v2)
    name: str
    routes: list[Route]
    stages: dict[str, dict[str, str]]  # stage name -> stage variables
    binary_media_types: list[str] = field(default_factory=list)
    usage_plans: dict[str, list[UsagePlan]] = field(default_factory=dict)  # stage -> plans
    cors: dict[str, Any] | None = None  # HTTP APIs' CorsConfiguration
    default_route: Route | None = None  # HTTP APIs' $default route

    def find(self, method: str, segments: list[str]) -> tuple[Route | None, dict[str, str], bool]:
        """(route, path parameters, whether any route has this path): the most specific path first,
        then the exact method before ANY."""
        best: tuple[tuple[int, ...], dict[str, str], list[Route]] | None = None
        for route in self.routes:
            found = route.path.match(segments)
            if found is None:
                continue
            rank, params = found
            if best is None or rank > best[0]:
                best = (rank, params, [route])
            elif rank == best[0]:
                best[2].append(route)
        if best is None:
            return None, {}, False
        routes = best[2]
        for wanted in (method, "ANY"):
            for route in routes:
                if route.method == wanted:
                    return route, best[1], True
        return None, best[1], True
