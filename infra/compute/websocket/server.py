"""Serves deployed API Gateway WebSocket APIs on a real WebSocket server (PyPI ``websockets``).

``ws://HOST:PORT/{api id}/{stage}?...`` is an API's URL. The opening handshake runs the
``$connect`` route's function (a function error or a non-2xx ``statusCode`` refuses the
handshake with that status); each message is routed by the API's route selection expression
(``$request.body.action``: JSON naming a route, else ``$default``; with neither, the client gets
API Gateway's ``Forbidden`` message); a close runs ``$disconnect``. Frames over 128 KiB close the
connection with 1009 and protocol errors with 1002 (the library does), and other connections
carry on. Handlers reach their connections through the real ``apigatewaymanagementapi`` client
(``endpoint_url=https://{domainName}/{stage}``): moto's backend for it is hooked to this door
(infra/compute/moto_hooks/websocket.py), so ``post_to_connection`` writes to the socket, ``get_connection``
describes it, ``delete_connection`` closes it, and a gone connection answers GoneException (410).
"""

from __future__ import annotations

import json
import math
import threading
import uuid
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from infra.compute.websocket.apis import WebSocketApi, load_websocket_apis
from infra.compute.websocket.events import (ConnectionInfo, connect_event, disconnect_event, message_event,
                                            new_connection_id)
from infra.exceptions import ConnectionGoneError, ToolkitError
from infra.metering.billing import WEBSOCKET_CHUNK, chunks
from infra.metering.meter import METER

MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's WebSocket message limit


class WebSocketFrontDoor:
    def __init__(self, clients: Callable[[str], Any], invoke: Callable[[str, Any], Any], clock: Any,
                 region: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.clients = clients
        self.invoke = invoke
        self.clock = clock
        self.region = region
        self.host = host
        self.port = port
        self.apis: dict[str, WebSocketApi] = {}
        self._connections: dict[str, tuple[ServerConnection, ConnectionInfo]] = {}
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def refresh(self) -> None:
        self.apis = load_websocket_apis(self.clients("apigatewayv2"))

    def start(self) -> "WebSocketFrontDoor":
        from infra.compute import active, moto_hooks

        self.refresh()
        try:
            self._server = serve(self._serve_connection, self.host, self.port, process_request=self._handshake,
                                 max_size=MAX_MESSAGE_BYTES, compression=None, ping_interval=None)
        except OSError as exc:
            raise ToolkitError(f"the WebSocket front door cannot listen on {self.host}:{self.port}: "
                               f"{exc.strerror or exc}") from exc
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="websocket-door")
        self._thread.start()
        moto_hooks.install()
        active.serve_connections(self)
        return self

    def stop(self) -> None:
        from infra.compute import active

        active.stop_serving_connections(self)
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)

    def url(self, api_id: str, stage: str) -> str:
        return f"ws://{self.host}:{self.port}/{api_id}/{stage}"

    # -- the protocol -----------------------------------------------------------------------
    def _handshake(self, connection: ServerConnection, request: Any) -> Any:
        parts = urlsplit(request.path)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) != 2 or segments[0] not in self.apis:
            self.refresh()  # deployed since the last look?
        api = self.apis.get(segments[0]) if len(segments) == 2 else None
        if api is None or segments[1] not in api.stages:
            return connection.respond(404, f"no WebSocket API stage at {parts.path}\n")
        now = self.clock.now()
        info = ConnectionInfo(new_connection_id(), api.api_id, segments[1], self.region, int(now * 1000),
                              connection.remote_address[0], request.headers.get("User-Agent", ""),
                              headers=dict(request.headers.raw_items()), query=parse_qs(parts.query),
                              last_active_ms=int(now * 1000))
        route = api.routes.get("$connect")
        if route is not None:
            if route.function_arn is None:
                return connection.respond(500, "the $connect route has no Lambda proxy integration\n")
            result = self.invoke(route.function_arn, connect_event(info, now))
            status = _status(result)
            if not 200 <= status < 300:
                return connection.respond(status, "Forbidden\n" if status == 403 else f"{status}\n")
        connection.toolkit_info = info  # type: ignore[attr-defined]
        return None

    def _serve_connection(self, websocket: ServerConnection) -> None:
        info: ConnectionInfo = websocket.toolkit_info  # type: ignore[attr-defined]
        api = self.apis[info.api_id]
        with self._lock:
            self._connections[info.connection_id] = (websocket, info)
        try:
            for message in websocket:
                info.last_active_ms = int(self.clock.now() * 1000)
                self._on_message(websocket, api, info, message)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._connections.pop(info.connection_id, None)
            connected_minutes = (self.clock.now() * 1000 - info.connected_at_ms) / 60_000  # metering
            METER.add("apigateway/websocket_connection_minutes", max(1, math.ceil(connected_minutes)))
            route = api.routes.get("$disconnect")
            if route is not None and route.function_arn is not None:
                status = websocket.close_code if websocket.close_code is not None else 1006
                reason = websocket.close_reason or ""
                self.invoke(route.function_arn, disconnect_event(info, status, reason, self.clock.now()))

    def _on_message(self, websocket: ServerConnection, api: WebSocketApi, info: ConnectionInfo,
                    message: str | bytes) -> None:
        text = message if isinstance(message, str) else message.decode("utf-8", "replace")
        METER.add("apigateway/websocket_messages", chunks(len(text.encode("utf-8")), WEBSOCKET_CHUNK))  # metering
        key = api.select(text)
        route = api.routes.get(key) if key else None
        request_id = str(uuid.uuid4())
        if route is None or route.function_arn is None:
            websocket.send(json.dumps({"message": "Forbidden", "connectionId": info.connection_id,
                                       "requestId": request_id}))
            return
        result = self.invoke(route.function_arn, message_event(info, route.key, message, self.clock.now()))
        if result["function_error"]:
            websocket.send(json.dumps({"message": "Internal server error", "connectionId": info.connection_id,
                                       "requestId": request_id}))
        elif route.two_way and isinstance(result["payload"], dict) and result["payload"].get("body") is not None:
            reply = str(result["payload"]["body"])
            METER.add("apigateway/websocket_messages", chunks(len(reply.encode("utf-8")), WEBSOCKET_CHUNK))  # metering
            websocket.send(reply)

    # -- the management API (apigatewaymanagementapi) ----------------------------------------
    def _connection(self, connection_id: str) -> tuple[ServerConnection, ConnectionInfo]:
        with self._lock:
            found = self._connections.get(connection_id)
        if found is None:
            raise ConnectionGoneError(connection_id)
        return found

    def post_to_connection(self, connection_id: str, data: bytes) -> None:
        websocket, _ = self._connection(connection_id)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        try:
            websocket.send(text if text is not None else data)
        except ConnectionClosed as exc:
            raise ConnectionGoneError(connection_id) from exc

    def get_connection(self, connection_id: str) -> dict[str, Any]:
        _, info = self._connection(connection_id)
        return {"connectedAt": info.connected_at_ms / 1000, "lastActiveAt": info.last_active_ms / 1000,
                "identity": {"sourceIp": info.source_ip, "userAgent": info.user_agent}}

    def delete_connection(self, connection_id: str) -> None:
        websocket, _ = self._connection(connection_id)
        websocket.close(1000, "")

    def open_connections(self, api_id: str | None = None) -> list[str]:
        with self._lock:
            return sorted(c for c, (_, info) in self._connections.items() if api_id in (None, info.api_id))


def _status(result: Any) -> int:
    if result["function_error"]:
        return 500
    payload = result["payload"]
    if isinstance(payload, dict) and "statusCode" in payload:
        try:
            return int(payload["statusCode"])
        except (TypeError, ValueError):
            return 500
    return 200
