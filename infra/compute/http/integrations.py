"""Runs a routed request's integration: Lambda proxy, AWS service, HTTP (proxy or mapped), MOCK.

Non-proxy integrations go through mapping templates both ways: the request template for the
request's content type (or the passthrough behavior), then the integration response whose
selection pattern matches (the status code; a Lambda's errorMessage), its template and headers.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any, Callable
from urllib.parse import quote, urlencode

from infra.compute.http import events, services
from infra.compute.http.events import MalformedLambdaResponse, RequestInfo
from infra.compute.http.messages import HttpResponse, error
from infra.compute.http.model import Api, Integration, IntegrationResponse
from infra.compute.http.vtl import render

Invoke = Callable[[str, Any], dict[str, Any]]  # (function ARN, event) -> the executor's InvocationResult
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade", "host", "content-length"}
_LAMBDA_ARN = re.compile(r"functions/(arn:[^/]+)/invocations")


def internal_error() -> HttpResponse:
    return error(502, "Internal server error", error_type="InternalServerErrorException")


def function_arn(uri: str) -> str:
    found = _LAMBDA_ARN.search(uri)
    return found.group(1) if found else uri


def _params(info: RequestInfo) -> dict[str, dict[str, str]]:
    request = info.request
    return {"path": dict(info.path_parameters), "querystring": dict(request.query),
            "header": {k: v for k, v in request.headers}}


class Integrations:
    def __init__(self, clients: Callable[[str], Any], invoke: Invoke) -> None:
        self.clients = clients
        self.invoke = invoke

    def run(self, api: Api, integration: Integration, info: RequestInfo) -> HttpResponse:
        kind = integration.type
        if kind == "AWS_PROXY":
            return self._lambda_proxy(api, integration, info)
        if kind == "HTTP_PROXY":
            return self._http(integration, info, info.request.body, proxy=True)
        if kind not in ("AWS", "HTTP", "MOCK"):
            return error(500, f"integration type {kind} is not supported by the front door")
        body = self._request_body(integration, info)
        if isinstance(body, HttpResponse):
            return body
        if kind == "MOCK":
            try:
                status = str(json.loads(body or "{}").get("statusCode", 200))
            except (ValueError, AttributeError):
                return internal_error()
            return self._respond(integration, info, status, b"", {}, status)
        if kind == "HTTP":
            return self._http(integration, info, body.encode(), proxy=False)
        if ":lambda:path/" in integration.uri:
            return self._lambda_custom(integration, info, body)
        content_type = self._integration_header(integration, "Content-Type") or "application/json"
        status_code, payload = services.call(self.clients, integration.uri, body, content_type)
        return self._respond(integration, info, str(status_code), payload, {}, str(status_code))

    # -- Lambda -------------------------------------------------------------------------------
    def _lambda_proxy(self, api: Api, integration: Integration, info: RequestInfo) -> HttpResponse:
        v2 = api.kind == "HTTP" and integration.payload_format == "2.0"
        event = events.http_event(info) if v2 else events.rest_event(info, api.binary_media_types)
        result = self.invoke(function_arn(integration.uri), event)
        if result["function_error"]:
            return internal_error()
        try:
            return events.http_response(result["payload"]) if v2 else events.rest_response(result["payload"])
        except MalformedLambdaResponse:
            return internal_error()

    def _lambda_custom(self, integration: Integration, info: RequestInfo, body: str) -> HttpResponse:
        try:
            event = json.loads(body) if body.strip() else {}
        except ValueError:
            return internal_error()
        result = self.invoke(function_arn(integration.uri), event)
        payload = json.dumps(result["payload"]).encode()
        selector = str(result["payload"].get("errorMessage", "")) if result["function_error"] else ""
        return self._respond(integration, info, "200", payload, {}, selector)

    # -- HTTP ---------------------------------------------------------------------------------
    def _http(self, integration: Integration, info: RequestInfo, body: bytes, proxy: bool) -> HttpResponse:
        url = integration.uri
        mapped_query: list[tuple[str, str]] = []
        for target, source in integration.request_parameters.items():
            value = self._source_value(source, info)
            _, _, location, name = target.split(".", 3)
            if location == "path":
                url = url.replace("{" + name + "}", quote(value, safe="/") if name == "proxy" else quote(value, safe=""))
            elif location == "querystring":
                mapped_query.append((name, value))
        for name, value in info.path_parameters.items():  # parameters the URI names directly
            url = url.replace("{" + name + "}", quote(value, safe="/"))
        query = list(info.request.query) if proxy else mapped_query
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        method = info.request.method if integration.http_method in ("ANY", "") else integration.http_method
        headers = {k: v for k, v in info.request.headers if k.lower() not in _HOP_BY_HOP} if proxy else {}
        outbound = urllib.request.Request(url, data=body or None, method=method, headers=headers)
        try:
            with urllib.request.urlopen(outbound, timeout=integration.timeout_ms / 1000) as answer:
                status, answer_headers, payload = answer.status, list(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as failed:
            status, answer_headers, payload = failed.code, list(failed.headers.items()), failed.read()
        except (urllib.error.URLError, OSError, ValueError):
            return internal_error()  # the backend did not answer (refused, reset, bad URL)
        if proxy:
            return HttpResponse(status, [(k, v) for k, v in answer_headers if k.lower() not in _HOP_BY_HOP], payload)
        return self._respond(integration, info, str(status), payload, dict(answer_headers), str(status))

    # -- mapping templates --------------------------------------------------------------------
    def _request_body(self, integration: Integration, info: RequestInfo) -> str | HttpResponse:
        content_type = (info.request.header("Content-Type") or "application/json").split(";")[0].strip().lower()
        template = integration.request_templates.get(content_type)
        if template is None:
            passthrough = integration.passthrough
            if passthrough == "NEVER" or (passthrough == "WHEN_NO_TEMPLATES" and integration.request_templates):
                return error(415, "Unsupported Media Type", error_type="UnsupportedMediaTypeException")
            return info.request.body.decode("utf-8", "replace")
        return render(template, info.request.body, info.context(), info.stage_variables, _params(info))

    def _respond(self, integration: Integration, info: RequestInfo, status: str, payload: bytes,
                 backend_headers: dict[str, str], selector: str) -> HttpResponse:
        chosen = _select(integration.responses, selector)
        if chosen is None:
            if not integration.responses and integration.type == "HTTP":
                return HttpResponse(int(status), [("Content-Type", "application/json")], payload)
            return error(500, "Internal server error", error_type="InternalServerErrorException")
        template = chosen.templates.get("application/json")
        if template is None and chosen.templates:
            template = next(iter(chosen.templates.values()))
        body = (render(template, payload, info.context(), info.stage_variables, _params(info)).encode() if template
                else payload)
        headers = [("Content-Type", "application/json")]
        for target, source in chosen.parameters.items():
            if target.startswith("method.response.header."):
                name = target[len("method.response.header."):]
                if source.startswith("'") and source.endswith("'"):
                    headers.append((name, source[1:-1]))
                elif source.startswith("integration.response.header."):
                    value = backend_headers.get(source[len("integration.response.header."):])
                    if value is not None:
                        headers.append((name, value))
        return HttpResponse(int(chosen.status_code), headers, body)

    @staticmethod
    def _source_value(source: str, info: RequestInfo) -> str:
        if source.startswith("'") and source.endswith("'"):
            return source[1:-1]
        parts = source.split(".", 3)
        if len(parts) == 4 and parts[:2] == ["method", "request"]:
            location, name = parts[2], parts[3]
            if location == "path":
                return info.path_parameters.get(name, "")
            if location == "querystring":
                return next((v for k, v in info.request.query if k == name), "")
            if location == "header":
                return info.request.header(name) or ""
        return ""

    @staticmethod
    def _integration_header(integration: Integration, name: str) -> str | None:
        source = integration.request_parameters.get(f"integration.request.header.{name}")
        if source and source.startswith("'") and source.endswith("'"):
            return source[1:-1]
        return None


def _select(responses: list[IntegrationResponse], selector: str) -> IntegrationResponse | None:
    """The response whose selection pattern matches the status code (a Lambda's errorMessage), else
    the default one."""
    default = None
    for response in responses:
        if response.selection_pattern is None:
            default = response
        elif re.fullmatch(response.selection_pattern, selector, re.DOTALL):
            return response
    return default
