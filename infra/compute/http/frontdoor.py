"""The front door: serves deployed API Gateway APIs (REST v1 and HTTP v2) from the control plane.

URLs take LocalStack's form, so a workload uses the same scheme on every local target:
``/restapis/{api_id}/{stage}/_user_request_/{path}``. ``handle(request)`` is the whole of it
(tests call it in-process); infra/compute/http/server.py puts it on a socket.

A request goes: API and stage -> route (most specific path, then method before ANY) -> API key and
usage plan -> request validator -> integration, on a worker thread the front door waits for on
the injectable clock for the integration's timeout. Errors are answered as API Gateway answers.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from infra.compute.clock import Clock
from infra.compute.http import loaders, validation
from infra.compute.http.events import RequestInfo
from infra.compute.http.integrations import Integrations, Invoke, function_arn
from infra.compute.http.keys import FORBIDDEN, QUOTA_EXCEEDED, THROTTLED, KeyCheck
from infra.compute.http.messages import HttpRequest, HttpResponse, error
from infra.compute.http.model import Api
from infra.compute.http.paths import split
from infra.compute.http.vtl import TemplateRenderError
from infra.metering.meter import METER

log = logging.getLogger("infra.frontdoor")
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
URL_FORM = "/restapis/{api_id}/{stage}/_user_request_/{path}"


def api_path(api_id: str, stage: str, path: str = "/") -> str:
    return f"/restapis/{api_id}/{stage}/_user_request_/{path.lstrip('/')}"


class FrontDoor:
    def __init__(self, clients: Callable[[str], Any], invoke: Invoke, clock: Clock, account_id: str,
                 max_concurrency: int = 64, function_timeout: Callable[[str], float] | None = None,
                 refresh_every: float | None = None) -> None:
        """``function_timeout(arn)``: a function's own Timeout in seconds; when it is within the
        integration's timeout the executor's limit comes first, so the request is served on the
        calling thread (one thread hop less) with the same outcome. ``refresh_every``: read the
        APIs again after that many (wall) seconds — for an endpoint others deploy to (``up``);
        without it, ``refresh()`` after a deploy does."""
        self.clients = clients
        self._refresh_every = refresh_every
        self._loaded_at = time.monotonic()
        self._function_timeout = function_timeout
        self.clock = clock
        self.account_id = account_id
        self.integrations = Integrations(clients, invoke)
        self.keys = KeyCheck(lambda: clients("apigateway"), clock.now)
        self._apis: dict[str, Api] = {}
        self._lock = threading.Lock()
        self._workers = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="frontdoor")

    def refresh(self) -> None:
        """Forget the cached APIs and keys (after a deploy or destroy); they are read again when asked."""
        with self._lock:
            self._apis.clear()
        self.keys.refresh()

    def close(self) -> None:
        self._workers.shutdown(wait=False, cancel_futures=True)

    # -- the API --------------------------------------------------------------------------------
    def api(self, api_id: str) -> Api | None:
        if self._refresh_every is not None and time.monotonic() - self._loaded_at > self._refresh_every:
            self._loaded_at = time.monotonic()
            self.refresh()
        with self._lock:
            found = self._apis.get(api_id)
        if found is not None:
            return found
        found = self._load(api_id)
        if found is not None:
            with self._lock:
                self._apis[api_id] = found
        return found

    def _load(self, api_id: str) -> Api | None:
        apigw = self.clients("apigateway")
        try:
            return loaders.load_rest_api(apigw, api_id)
        except apigw.exceptions.NotFoundException:
            pass
        v2 = self.clients("apigatewayv2")
        try:
            return loaders.load_http_api(v2, api_id)
        except v2.exceptions.NotFoundException:
            return None

    # -- a request ------------------------------------------------------------------------------
    def handle(self, request: HttpRequest) -> HttpResponse:
        if len(request.body) > MAX_BODY_BYTES:
            return error(413, "Request Too Long", error_type="RequestTooLongException")
        parts = request.path.split("/", 5)
        if len(parts) < 5 or parts[1] != "restapis" or parts[4] != "_user_request_":
            return error(404, f"not an API URL: use {URL_FORM}")
        api_id, stage, path = parts[2], parts[3], "/" + (parts[5] if len(parts) > 5 else "")
        api = self.api(api_id)
        if api is None:
            return error(404, f"The API id '{api_id}' does not correspond to a deployed API Gateway API")
        if stage not in api.stages:
            return (error(403, "Forbidden", error_type="ForbiddenException") if api.kind == "REST"
                    else error(404, "Not Found"))
        if api.kind != "WEBSOCKET":  # metering: a request API Gateway bills (infra/metering)
            METER.add("apigateway/rest_requests" if api.kind == "REST" else "apigateway/http_requests")
        if api.kind == "WEBSOCKET":
            return error(426, "a WebSocket API: connect with a WebSocket client", [("Upgrade", "websocket")])
        if api.kind == "HTTP":
            return self._http_api(api, stage, path, request)
        return self._rest_api(api, stage, path, request)

    def _info(self, api: Api, stage: str, path: str, request: HttpRequest, route_key: str, resource_id: str,
              params: dict[str, str]) -> RequestInfo:
        return RequestInfo(request, api.id, stage, route_key, resource_id, path, params, api.stages[stage],
                           str(uuid.uuid4()), self.account_id, self.clock.now())

    def _rest_api(self, api: Api, stage: str, path: str, request: HttpRequest) -> HttpResponse:
        route, params, _ = api.find(request.method, split(path))
        if route is None:
            return error(403, "Missing Authentication Token", error_type="MissingAuthenticationTokenException")
        info = self._info(api, stage, path, request, route.key, route.resource_id, params)
        if route.api_key_required:
            info.api_key = request.header("x-api-key")
            info.api_key_id, refused = self.keys.check(info.api_key, api.usage_plans.get(stage, []))
            if refused == FORBIDDEN:
                return error(403, "Forbidden", error_type="ForbiddenException")
            if refused == THROTTLED:
                return error(429, "Too Many Requests", error_type="TooManyRequestsException")
            if refused == QUOTA_EXCEEDED:
                return error(429, "Limit Exceeded", error_type="LimitExceededException")
        problem = validation.problem(route, request, params)
        if problem is not None:
            return error(400, problem, error_type="BadRequestException")
        response = self._integrate(api, route.integration, info)
        response.headers.append(("x-amzn-RequestId", info.request_id))
        return response

    def _http_api(self, api: Api, stage: str, path: str, request: HttpRequest) -> HttpResponse:
        origin = request.header("Origin")
        if (api.cors and request.method == "OPTIONS" and origin
                and request.header("Access-Control-Request-Method")):
            return HttpResponse(204, _cors_headers(api.cors, origin, preflight=True))
        route, params, _ = api.find(request.method, split(path))
        if route is None:
            route, params = api.default_route, {}
        if route is None:
            return error(404, "Not Found")
        info = self._info(api, stage, path, request, route.key, "", params)
        response = self._integrate(api, route.integration, info)
        response.headers.append(("apigw-requestid", info.request_id))
        if api.cors and origin:
            response.headers += _cors_headers(api.cors, origin, preflight=False)
        return response

    def _integrate(self, api: Api, integration: Any, info: RequestInfo) -> HttpResponse:
        if self._within_timeout(integration):
            return self._run(api, integration, info)
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["response"] = self._run(api, integration, info)
            finally:
                done.set()

        self._workers.submit(run)
        if not self.clock.wait(done, integration.timeout_ms / 1000):
            return error(504, "Endpoint request timed out", error_type="IntegrationTimeout")
        return outcome["response"]

    def _run(self, api: Api, integration: Any, info: RequestInfo) -> HttpResponse:
        try:
            return self.integrations.run(api, integration, info)
        except Exception as exc:  # noqa: BLE001 - a failing integration is the client's 5xx, not a crash
            # API Gateway logs "Execution failed due to configuration error"; so does the front door
            reason = str(exc) if isinstance(exc, TemplateRenderError) else f"{type(exc).__name__}: {exc}"
            log.warning("%s %s %s %s: execution failed: %s", api.id, info.stage, info.request.method, info.path,
                        reason)
            return error(500, "Internal server error", error_type="InternalServerErrorException")

    def _within_timeout(self, integration: Any) -> bool:
        if integration.type != "AWS_PROXY" or self._function_timeout is None:
            return False
        try:
            return self._function_timeout(function_arn(integration.uri)) <= integration.timeout_ms / 1000
        except Exception:  # noqa: BLE001 - an unknown function: the integration reports it
            return False


def _cors_headers(cors: dict[str, Any], origin: str, preflight: bool) -> list[tuple[str, str]]:
    allowed = cors.get("AllowOrigins") or []
    if "*" not in allowed and origin not in allowed:
        return []
    headers = [("Access-Control-Allow-Origin", "*" if "*" in allowed and not cors.get("AllowCredentials") else origin)]
    if cors.get("AllowCredentials"):
        headers.append(("Access-Control-Allow-Credentials", "true"))
    if preflight:
        if cors.get("AllowMethods"):
            headers.append(("Access-Control-Allow-Methods", ",".join(cors["AllowMethods"])))
        if cors.get("AllowHeaders"):
            headers.append(("Access-Control-Allow-Headers", ",".join(cors["AllowHeaders"])))
        if cors.get("MaxAge") is not None:
            headers.append(("Access-Control-Max-Age", str(cors["MaxAge"])))
    elif cors.get("ExposeHeaders"):
        headers.append(("Access-Control-Expose-Headers", ",".join(cors["ExposeHeaders"])))
    return headers
