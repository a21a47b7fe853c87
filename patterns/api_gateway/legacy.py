"""The legacy backend (the "monolith"): a real HTTP server on a local port, serving the routes
not yet migrated to their own service. API Gateway reaches it through an HTTP proxy integration."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from infra.exceptions import ToolkitError

CUSTOMERS = {
    "42": {"id": "42", "name": "Ada Lovelace", "tier": "gold"},
    "7": {"id": "7", "name": "Grace Hopper", "tier": "silver"},
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "legacy-monolith/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, document: Any) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Served-By", "monolith")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path.rstrip("/")
        if path == "/legacy/customers":
            self._send(200, {"customers": sorted(CUSTOMERS.values(), key=lambda c: c["id"]), "source": "monolith"})
        elif path.startswith("/legacy/customers/"):
            customer = CUSTOMERS.get(path.rsplit("/", 1)[1])
            if customer is None:
                self._send(404, {"message": f"no customer {path.rsplit('/', 1)[1]}", "source": "monolith"})
            else:
                self._send(200, {**customer, "source": "monolith"})
        else:
            self._send(404, {"message": f"the monolith has no route {path}", "source": "monolith"})


class LegacyBackend:
    """``LegacyBackend(port).start()`` ... ``stop()``; ``url`` is what the template's
    LegacyBackendUrl parameter points at."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        try:
            self._server = ThreadingHTTPServer((host, port), _Handler)
        except OSError as exc:
            raise ToolkitError(f"the legacy backend cannot listen on {host}:{port}: {exc.strerror or exc} "
                               f"(deploy with another LegacyBackendUrl)") from exc
        self._server.daemon_threads = True
        self.host, self.port = self._server.server_address[0], self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "LegacyBackend":
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
                         name="legacy-backend").start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
