"""The front door on a real socket: a threading HTTP/1.1 server with keep-alive."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from infra.compute.http.frontdoor import MAX_BODY_BYTES, FrontDoor
from infra.compute.http.messages import HttpRequest, error
from infra.exceptions import ToolkitError

# A refused body is still read and dropped, after the 413 is sent, up to this much: a client that
# writes its whole body before reading the answer (http.client, urllib) then gets the 413 instead
# of a broken pipe.
MAX_DISCARDED_BYTES = 8 * MAX_BODY_BYTES
DISCARD_TIMEOUT_SECONDS = 30.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "toolkit-frontdoor"
    front_door: FrontDoor

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - no line per request
        pass

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _read_chunked(self) -> bytes | None:
        """A ``Transfer-Encoding: chunked`` body; None when it grows past the limit."""
        body = bytearray()
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return bytes(body)
            if len(body) + size > MAX_BODY_BYTES:
                return None
            body += self.rfile.read(size)
            self.rfile.readline()  # the CRLF after each chunk

    def _serve(self) -> None:
        chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body: bytes | None = (self._read_chunked() if chunked
                                  else None if length > MAX_BODY_BYTES else self.rfile.read(length) if length else b"")
        except ValueError:
            self.close_connection = True
            response = error(400, "Bad Request: malformed Content-Length or chunk size")
        else:
            if body is None:
                response = error(413, "Request Too Long", error_type="RequestTooLongException")
                self.close_connection = True  # the rest of the body is not read
            else:
                request = HttpRequest.build(self.command, self.path, list(self.headers.items()), body,
                                            source_ip=self.client_address[0])
                response = self.front_door.handle(request)
        self.send_response(response.status)
        for key, value in response.headers:
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        if self.command != "HEAD":  # headers and body in one write
            self._headers_buffer.append(b"\r\n" + response.body)
            self.flush_headers()
        else:
            self.end_headers()
        if response.status == 413:
            self._discard_rest_of_body()

    def _discard_rest_of_body(self) -> None:
        """Drop what the client still sends of a refused body, until it closes or the cap."""
        self.wfile.flush()
        self.connection.settimeout(DISCARD_TIMEOUT_SECONDS)
        left = MAX_DISCARDED_BYTES
        try:
            while left > 0:
                chunk = self.rfile.read1(min(left, 1 << 20))
                if not chunk:
                    return
                left -= len(chunk)
        except OSError:  # the client went away or stalled: the connection closes either way
            return

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class HttpFrontDoorServer:
    """``HttpFrontDoorServer(front_door, port).start()``; ``url`` is its base; ``stop()`` ends it."""

    def __init__(self, front_door: FrontDoor, port: int = 0, host: str = "127.0.0.1") -> None:
        handler = type("Handler", (_Handler,), {"front_door": front_door})
        try:
            self._server = _Server((host, port), handler)
        except OSError as exc:
            raise ToolkitError(f"the front door cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        self.host, self.port = self._server.server_address[0], self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "HttpFrontDoorServer":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        daemon=True, name="frontdoor-server")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
