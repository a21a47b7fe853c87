"""What the patterns' workloads and tests use to reach a deployed stack's front doors: its API and
WebSocket URLs on the target it runs on, and a small HTTP client (JSON in and out over real HTTP, urllib)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


def api_url(cloud: Any, stack: Any) -> str:
    """The stack's API (the ``ApiId`` and ``ApiStage`` outputs every pattern with one declares)."""
    return str(cloud.api_url(stack.outputs["ApiId"], stack.outputs["ApiStage"]))


def websocket_url(cloud: Any, stack: Any) -> str:
    """The stack's WebSocket API (its ``WebSocketApiId`` and ``WebSocketStage`` outputs)."""
    return str(cloud.websocket_url(stack.outputs["WebSocketApiId"], stack.outputs["WebSocketStage"]))


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON, or the text when it is not JSON


def call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
         timeout: float = 35.0) -> Answer:
    data = json.dumps(body).encode() if body is not None and not isinstance(body, (bytes, str)) else (
        body.encode() if isinstance(body, str) else body)
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, answer_headers, raw = response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as failed:
        status, answer_headers, raw = failed.code, dict(failed.headers.items()), failed.read()
    try:
        parsed: Any = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode("utf-8", "replace")
    return Answer(status, answer_headers, parsed)
