"""The page-view replayer: what a browser fetches for one view of the shop (the page, its CSS,
JS and image, one API call), over keep-alive HTTP(S) connections, each answer kept with its
X-Cache and its latency."""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

ASSETS = ("app.css", "app.js", "logo.png")
API_PATH = "api/products"


@dataclass
class Fetched:
    path: str
    status: int
    body: bytes
    x_cache: str | None
    seconds: float


class Browser:
    """``Browser(base_url).view()``: one page view's five requests, in the order a browser makes them."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url if base_url.endswith("/") else base_url + "/")
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._connection = kind(parts.netloc, timeout=timeout)
        self.prefix = parts.path

    def get(self, path: str) -> Fetched:
        started = time.perf_counter()
        for attempt in (1, 2):  # a keep-alive connection the server closed is opened again once
            try:
                self._connection.request("GET", self.prefix + path, headers={"Accept": "*/*"})
                answer = self._connection.getresponse()
                body = answer.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self._connection.close()
                if attempt == 2:
                    raise
        return Fetched(path, answer.status, body, answer.headers.get("X-Cache"), time.perf_counter() - started)

    def view(self) -> list[Fetched]:
        return [self.get(path) for path in ("", *ASSETS, API_PATH)]

    def close(self) -> None:
        self._connection.close()
