"""What the CloudFront front door tests share: the distribution of fixtures/templates/cloudfront_site.yaml
(a private bucket read through an origin access control, and an HTTP origin the tests script: what it
answers, with which Cache-Control), and a changed copy of it deployed beside."""

from __future__ import annotations

import copy
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import yaml

from infra.compute.http.messages import HttpRequest, HttpResponse
from infra.template import load

TEMPLATE = Path(__file__).resolve().parents[3] / "infra" / "fixtures" / "templates" / "cloudfront_site.yaml"


@dataclass
class ScriptedOrigin:
    """An HTTP origin: answers ``status``/``headers``/``body`` and records every request it got."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/plain"})
    body: bytes = b"from the origin"
    seen: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    gate: threading.Event | None = None  # when set: each request waits for it before answering


def start_origin(origin: ScriptedOrigin) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            origin.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                                "body": self.rfile.read(length) if length else b""})
            if origin.gate is not None:
                origin.gate.wait(30)
            self.send_response(origin.status)
            for key, value in origin.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(origin.body)))
            self.end_headers()
            self.wfile.write(origin.body)

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    origin.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class Site:
    cloud: Any
    stack: Any
    origin: ScriptedOrigin

    @property
    def distribution_id(self) -> str:
        return self.stack["DistributionId"]

    def get(self, path: str, method: str = "GET", headers: dict[str, str] | None = None,
            body: bytes = b"") -> HttpResponse:
        return self.cloud.cloudfront.handle(self.distribution_id, HttpRequest.build(method, path, headers, body))

    def put_object(self, key: str, body: bytes | str, **extra: Any) -> None:
        self.cloud.client("s3").put_object(Bucket=self.stack["BucketName"], Key=key, Body=body, **extra)

    def advance(self, seconds: float) -> None:
        self.cloud.clock.advance(seconds)


def deploy_variant(cloud: Any, site: Any, change: Callable[[dict[str, Any]], Any]) -> str:
    """A second stack from the same template with ``change(DistributionConfig)`` applied; its distribution's id."""
    template = copy.deepcopy(load(TEMPLATE))
    change(template["Resources"]["Distribution"]["Properties"]["DistributionConfig"])
    with tempfile.TemporaryDirectory() as folder:
        changed = Path(folder) / "template.yaml"
        changed.write_text(yaml.safe_dump(template))
        stack = cloud.deploy("fixture", template=changed, stack_name=f"cdn-{uuid.uuid4().hex[:8]}",
                             parameters={"OriginPort": str(site.origin.port)})
    return stack["DistributionId"]
