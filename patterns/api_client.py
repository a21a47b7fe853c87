"""A small HTTP client for the demo: JSON in and out over real HTTP (urllib)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


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
