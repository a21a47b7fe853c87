"""Reads deployed WebSocket APIs (apigatewayv2, ProtocolType WEBSOCKET) from the control plane:
route key -> the Lambda function its AWS_PROXY integration invokes, the route selection
expression, the stages."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_LAMBDA_URI = re.compile(r"arn:aws[\w-]*:apigateway:[\w-]+:lambda:path/[\d-]+/functions/(?P<arn>.+)/invocations$")


@dataclass
class WebSocketRoute:
    key: str
    function_arn: str | None  # None: the integration is not a Lambda proxy
    two_way: bool = False  # RouteResponseSelectionExpression set: the function's body goes back


@dataclass
class WebSocketApi:
    api_id: str
    name: str
    selection_expression: str
    routes: dict[str, WebSocketRoute] = field(default_factory=dict)
    stages: set[str] = field(default_factory=set)

    def select(self, body: str) -> str | None:
        """The route key a message selects: the selection expression's value if the message is JSON
        and names a route, else ``$default`` (if there is one), else None."""
        path = self.selection_expression.removeprefix("${").removesuffix("}")
        if path.startswith("$request.body."):
            try:
                value: Any = json.loads(body)
                for part in path[len("$request.body."):].split("."):
                    value = value.get(part) if isinstance(value, dict) else None
            except (ValueError, TypeError):
                value = None
            if isinstance(value, str) and value in self.routes:
                return value
        return "$default" if "$default" in self.routes else None


def load_websocket_apis(v2: Any) -> dict[str, WebSocketApi]:
    apis: dict[str, WebSocketApi] = {}
    for item in v2.get_apis().get("Items", []):
        if item.get("ProtocolType") != "WEBSOCKET":
            continue
        api_id = item["ApiId"]
        integrations = {i["IntegrationId"]: i for i in v2.get_integrations(ApiId=api_id).get("Items", [])}
        api = WebSocketApi(api_id, item.get("Name", ""), item.get("RouteSelectionExpression", "$request.body.action"))
        for route in v2.get_routes(ApiId=api_id).get("Items", []):
            integration = integrations.get(str(route.get("Target", "")).removeprefix("integrations/"), {})
            match = _LAMBDA_URI.match(integration.get("IntegrationUri", ""))
            arn = match.group("arn") if match and integration.get("IntegrationType") == "AWS_PROXY" else None
            api.routes[route["RouteKey"]] = WebSocketRoute(route["RouteKey"], arn,
                                                           bool(route.get("RouteResponseSelectionExpression")))
        api.stages = {s["StageName"] for s in v2.get_stages(ApiId=api_id).get("Items", [])}
        apis[api_id] = api
    return apis
