"""The HTTP endpoint through which LocalStack (host mode, no Docker) hands invocations to this
process's compute plane.

LocalStack keeps everything around an invocation — event source mappings, S3/SNS/API Gateway
triggers, retries, its CloudWatch logs — and its Lambda runtime executor
(infra/localstack/toolkit_lambda_executor.py) POSTs each invocation here:
``{"functionArn", "requestId", "payload"}`` → ``{"payload", "isError", "logs"}``. Where to POST is
published as an SSM parameter in LocalStack itself, so any LocalStack started with that executor
finds the process that currently runs the handlers.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from infra.compute.plane import ComputePlane
from infra.exceptions import ToolkitError

PARAMETER = "/serverless-patterns-toolkit/compute-plane-url"


class InvokeServer:
    def __init__(self, plane: ComputePlane, ssm: Any, host: str = "127.0.0.1") -> None:
        self.plane = plane
        self._ssm = ssm
        self._server = ThreadingHTTPServer((host, 0), _handler_for(plane))
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "InvokeServer":
        self._thread.start()
        self._ssm.put_parameter(Name=PARAMETER, Value=self.url, Type="String", Overwrite=True,
                                Description="where the toolkit's compute plane takes Lambda invocations")
        return self

    def stop(self) -> None:
        try:
            if self._ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"] == self.url:
                self._ssm.delete_parameter(Name=PARAMETER)
        except Exception:  # noqa: BLE001 - the endpoint may be gone already; nothing to clean then
            pass
        self._server.shutdown()
        self._server.server_close()


def _handler_for(plane: ComputePlane) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            if self.path != "/invoke":
                return self._answer(404, {"message": f"no route {self.path}"})
            try:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                event = json.loads(request["payload"]) if request.get("payload") else {}
                result = plane.invoke(request["functionArn"], event)
            except (ValueError, KeyError) as exc:
                return self._answer(400, {"message": f"malformed invocation: {exc}"})
            except ToolkitError as exc:
                return self._answer(404, {"message": str(exc)})
            self._answer(200, {"payload": json.dumps(result["payload"]),
                               "isError": result["function_error"] is not None, "logs": result["logs"]})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence per-request lines
            pass

    return Handler
