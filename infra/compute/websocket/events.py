"""The Lambda proxy events API Gateway WebSocket APIs send: CONNECT, MESSAGE, DISCONNECT."""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


def new_connection_id() -> str:
    """The shape API Gateway's ids have (base64 of 10 random bytes, e.g. ``L0SM9cOFvHcCIhw=``)."""
    return base64.b64encode(secrets.token_bytes(10)).decode()


@dataclass
class ConnectionInfo:
    connection_id: str
    api_id: str
    stage: str
    region: str
    connected_at_ms: int
    source_ip: str
    user_agent: str
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    last_active_ms: int = 0

    @property
    def domain_name(self) -> str:
        return f"{self.api_id}.execute-api.{self.region}.amazonaws.com"


def _context(info: ConnectionInfo, route_key: str, event_type: str, now: float) -> dict[str, Any]:
    moment = datetime.fromtimestamp(now, tz=timezone.utc)
    return {
        "routeKey": route_key, "eventType": event_type, "messageDirection": "IN",
        "extendedRequestId": base64.b64encode(secrets.token_bytes(6)).decode(),
        "requestTime": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"), "requestTimeEpoch": int(now * 1000),
        "stage": info.stage, "connectedAt": info.connected_at_ms,
        "identity": {"sourceIp": info.source_ip, "userAgent": info.user_agent},
        "requestId": str(uuid.uuid4()), "domainName": info.domain_name,
        "connectionId": info.connection_id, "apiId": info.api_id,
    }


def connect_event(info: ConnectionInfo, now: float) -> dict[str, Any]:
    query = {k: v[-1] for k, v in info.query.items()}
    return {
        "headers": dict(info.headers),
        "multiValueHeaders": {k: [v] for k, v in info.headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": dict(info.query) or None,
        "requestContext": _context(info, "$connect", "CONNECT", now),
        "isBase64Encoded": False,
    }


def message_event(info: ConnectionInfo, route_key: str, body: str | bytes, now: float) -> dict[str, Any]:
    context = _context(info, route_key, "MESSAGE", now)
    context["messageId"] = base64.b64encode(secrets.token_bytes(6)).decode()
    binary = isinstance(body, bytes)
    return {"requestContext": context, "body": base64.b64encode(body).decode() if binary else body,
            "isBase64Encoded": binary}


def disconnect_event(info: ConnectionInfo, status: int, reason: str, now: float) -> dict[str, Any]:
    context = _context(info, "$disconnect", "DISCONNECT", now)
    context.update({"disconnectStatusCode": status, "disconnectReason": reason})
    return {"headers": {"Host": info.domain_name, "x-api-key": "", "X-Forwarded-For": "",
                        "x-restapi": ""}, "multiValueHeaders": {}, "requestContext": context,
            "isBase64Encoded": False}


def now_ms() -> int:
    return int(time.time() * 1000)
