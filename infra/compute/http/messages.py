"""The front door's request and response: what a socket (or a test, in-process) hands in and
gets back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class HttpRequest:
    method: str
    path: str  # without the query string, percent-decoded segments are decoded by the router
    headers: list[tuple[str, str]] = field(default_factory=list)
    query: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    raw_query: str = ""

    @classmethod
    def build(cls, method: str, url: str, headers: dict[str, str] | list[tuple[str, str]] | None = None,
              body: bytes | str | dict[str, Any] | list[Any] | None = None, source_ip: str = "127.0.0.1") -> "HttpRequest":
        """A request from a URL path with its query (``/restapis/abc/prod/_user_request_/orders?limit=2``)."""
        parts = urlsplit(url)
        items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            if not any(k.lower() == "content-type" for k, _ in items):
                items.append(("Content-Type", "application/json"))
        data = body.encode() if isinstance(body, str) else (body or b"")
        return cls(method.upper(), parts.path, items, parse_qsl(parts.query, keep_blank_values=True), data,
                   source_ip, parts.query)

    def header(self, name: str, default: str | None = None) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return default

    def header_values(self, name: str) -> list[str]:
        lower = name.lower()
        return [value for key, value in self.headers if key.lower() == lower]


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)

    def json(self) -> Any:
        return json.loads(self.body)


def error(status: int, message: str, extra_headers: list[tuple[str, str]] | None = None,
          error_type: str | None = None) -> HttpResponse:
    """An error the way API Gateway words it: ``{"message": ...}`` with its x-amzn-ErrorType."""
    headers = [("Content-Type", "application/json")]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return HttpResponse(status, headers + list(extra_headers or []), json.dumps({"message": message}).encode())
