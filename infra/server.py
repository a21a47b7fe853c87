"""``samplecli.py up``: a local AWS endpoint (moto server) with the local target's runtime attached.

Any SDK or the AWS CLI can use it (``--endpoint-url http://localhost:4566``); functions deployed
into it (``samplecli.py deploy PATTERN --target local``, or by hand) run in this process, and
its event source mappings (SQS, Kinesis, DynamoDB Streams) are polled on the wall clock. API
Gateway APIs deployed into it are served by the HTTP front door on the same port, in LocalStack's
URL form (``/restapis/{api_id}/{stage}/_user_request_/{path}``), WebSocket APIs by the WebSocket
front door on its own port (``ws://HOST:WS_PORT/{api_id}/{stage}``, published on the endpoint as an
SSM parameter so ``Cloud.remote("local").websocket_url()`` finds it); state machines run.

Handlers reach their WebSocket connections as on AWS, through ``apigatewaymanagementapi`` at
``https://{api}.execute-api.{region}.amazonaws.com/{stage}``: calls to amazonaws.com made in this
process are answered by the same in-process backends (moto's mock), everything else goes to the
endpoint over HTTP.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from infra.compute.clock import WallClock
from infra.compute.http.wsgi import with_front_door
from infra.compute.moto_hooks import install as install_moto_hooks
from infra.ports import require_free
from infra.runtime import Runtime, build_runtime
from infra.targets import WEBSOCKET_URL_PARAMETER, resolve


@dataclass
class LocalEndpoint:
    host: str
    port: int
    server: Any
    runtime: Runtime
    mock: Any
    websocket_url: str  # where WebSocket APIs are served: ``{websocket_url}/{api_id}/{stage}``

    @property
    def url(self) -> str:
        return f"http://{'localhost' if self.host in ('127.0.0.1', 'localhost') else self.host}:{self.port}"

    def stop(self) -> None:
        self.runtime.close()
        self.server.shutdown()
        self.server.server_close()
        self.mock.stop()


def start(port: int = 4566, host: str = "127.0.0.1", region: str = "us-east-1", ws_port: int = 0) -> LocalEndpoint:
    """The endpoint on ``port``, its WebSocket front door on ``ws_port`` (0: a free one; the CLI asks for 4510)."""
    require_free(host, port, "--port")  # another 'up' or LocalStack?
    require_free(host, ws_port, "--ws-port")
    install_moto_hooks()
    from moto import mock_aws
    from moto.core.config import default_user_config
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    mock = mock_aws(config={"core": {"reset_boto3_session": False}})
    mock.start()  # before the server: a first mock resets moto's backends
    default_user_config["stepfunctions"] = {"execute_state_machine": True}  # moto runs state machines then
    os.environ["MOTO_PORT"] = str(port)  # where a state machine's Task calls back into this endpoint
    MotoRequestHandler.log_request = lambda self, *args, **kwargs: None  # no line per request
    moto_app = DomainDispatcherApplication(create_backend_app)
    server = make_server(host, port, moto_app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True, name="up-endpoint").start()
    target = resolve("local", f"http://{host}:{port}", region)
    runtime = build_runtime(target, WallClock(), hosting=True, http_refresh_every=2.0)
    server.app = with_front_door(moto_app, runtime.http)  # APIs on the endpoint's own port
    door = runtime.serve_websockets(ws_port, host)
    websocket_url = f"ws://{door.host}:{door.port}"
    target.client("ssm").put_parameter(Name=WEBSOCKET_URL_PARAMETER, Value=websocket_url,
                                       Type="String", Overwrite=True,
                                       Description="where this endpoint's WebSocket APIs are served")
    runtime.start()  # event source mappings are read again every second
    return LocalEndpoint(host, port, server, runtime, mock, websocket_url)
