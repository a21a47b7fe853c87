"""Lambda proxy integration: the events API Gateway hands a function (REST API / payload format
1.0, HTTP API payload format 2.0) and how it reads the function's response back."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from infra.compute.http.messages import HttpRequest, HttpResponse


class MalformedLambdaResponse(Exception):
    """The function's response is not one API Gateway can map (it answers 502)."""


@dataclass
class RequestInfo:
    """What the front door knows of a request once it is routed."""

    request: HttpRequest
    api_id: str
    stage: str
    route_key: str  # REST: the resource path; HTTP: the route key
    resource_id: str
    path: str  # the path under the stage
    path_parameters: dict[str, str]
    stage_variables: dict[str, str]
    request_id: str
    account_id: str
    started: float  # epoch seconds
    api_key: str | None = None
    api_key_id: str | None = None

    def context(self) -> dict[str, Any]:
        """``$context`` for mapping templates (and the REST event's requestContext)."""
        return {
            "accountId": self.account_id, "apiId": self.api_id, "stage": self.stage, "requestId": self.request_id,
            "extendedRequestId": self.request_id, "resourceId": self.resource_id, "resourcePath": self.route_key,
            "httpMethod": self.request.method, "path": f"/{self.stage}{self.path}", "protocol": "HTTP/1.1",
            "requestTime": _clf_time(self.started), "requestTimeEpoch": int(self.started * 1000),
            "domainName": self.request.header("Host") or "localhost", "domainPrefix": self.api_id,
            "identity": {"sourceIp": self.request.source_ip, "userAgent": self.request.header("User-Agent"),
                         "apiKey": self.api_key, "apiKeyId": self.api_key_id, "accountId": None, "caller": None,
                         "user": None, "userArn": None, "cognitoIdentityId": None, "cognitoIdentityPoolId": None,
                         "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None,
                         "accessKey": None, "principalOrgId": None},
        }


def _clf_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _body(request: HttpRequest, binary_media_types: list[str]) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    content_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    binary = any(content_type == t.lower() or t == "*/*" or (t.endswith("/*") and content_type.startswith(t[:-1]))
                 for t in binary_media_types)
    if not binary:
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode(), True


def rest_event(info: RequestInfo, binary_media_types: list[str]) -> dict[str, Any]:
    """The REST API (payload format 1.0) event."""
    request = info.request
    multi_headers: dict[str, list[str]] = {}
    for key, value in request.headers:
        multi_headers.setdefault(key, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for key, value in request.query:
        multi_query.setdefault(key, []).append(value)
    body, is_base64 = _body(request, binary_media_types)
    return {
        "resource": info.route_key, "path": info.path, "httpMethod": request.method,
        "headers": {k: v[-1] for k, v in multi_headers.items()} or None, "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": info.path_parameters or None, "stageVariables": info.stage_variables or None,
        "requestContext": info.context(), "body": body, "isBase64Encoded": is_base64,
    }


def http_event(info: RequestInfo) -> dict[str, Any]:
    """The HTTP API payload format 2.0 event."""
    request = info.request
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for key, value in request.headers:
        if key.lower() == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        headers[key.lower()] = f"{headers[key.lower()]},{value}" if key.lower() in headers else value
    query: dict[str, str] = {}
    for key, value in request.query:
        query[key] = f"{query[key]},{value}" if key in query else value
    body, is_base64 = _body(request, [])
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": info.route_key, "rawPath": info.path, "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": info.account_id, "apiId": info.api_id, "domainName": request.header("Host") or "localhost",
            "domainPrefix": info.api_id, "requestId": info.request_id, "routeKey": info.route_key,
            "stage": info.stage, "time": _clf_time(info.started), "timeEpoch": int(info.started * 1000),
            "http": {"method": request.method, "path": info.path, "protocol": "HTTP/1.1",
                     "sourceIp": request.source_ip, "userAgent": request.header("User-Agent") or ""},
        },
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if info.path_parameters:
        event["pathParameters"] = info.path_parameters
    if info.stage_variables:
        event["stageVariables"] = info.stage_variables
    if body is not None:
        event["body"] = body
    return event


def _decoded_body(result: dict[str, Any]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedLambdaResponse("body must be a string")
    if result.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise MalformedLambdaResponse(f"isBase64Encoded but the body is not base64: {exc}") from exc
    return body.encode("utf-8")


def _headers(result: dict[str, Any]) -> list[tuple[str, str]]:
    headers = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(headers, dict) or not isinstance(multi, dict):
        raise MalformedLambdaResponse("headers and multiValueHeaders must be objects")
    out = [(str(k), str(v)) for k, v in headers.items() if k not in multi]
    for key, values in multi.items():
        if not isinstance(values, list):
            raise MalformedLambdaResponse("multiValueHeaders values must be lists")
        out += [(str(key), str(v)) for v in values]
    return out


def _status(result: dict[str, Any]) -> int:
    try:
        status = int(result["statusCode"])
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedLambdaResponse("statusCode is missing or not a number") from exc
    if not 100 <= status <= 599:
        raise MalformedLambdaResponse(f"statusCode {status} is not an HTTP status")
    return status


_ALLOWED_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}


def rest_response(result: Any) -> HttpResponse:
    """A REST API reads the function's response strictly: anything else is a 502."""
    if not isinstance(result, dict):
        raise MalformedLambdaResponse(f"the response is a {type(result).__name__}, not an object")
    extra = set(result) - (_ALLOWED_KEYS - {"cookies"})
    if extra:
        raise MalformedLambdaResponse(f"unexpected keys {sorted(extra)}")
    return HttpResponse(_status(result), _headers(result), _decoded_body(result))


def http_response(result: Any) -> HttpResponse:
    """Payload format 2.0: a response without statusCode is taken as a 200 JSON body."""
    if not isinstance(result, dict) or "statusCode" not in result:
        if isinstance(result, str):
            return HttpResponse(200, [("Content-Type", "application/json")], result.encode())
        return HttpResponse(200, [("Content-Type", "application/json")], json.dumps(result).encode())
    response = HttpResponse(_status(result), _headers(result), _decoded_body(result))
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedLambdaResponse("cookies must be a list")
    response.headers += [("Set-Cookie", str(c)) for c in cookies]
    if response.header("Content-Type") is None:
        response.headers.append(("Content-Type", "application/json"))
    return response
