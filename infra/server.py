"""``samplecli.py up``: a local AWS endpoint (moto server) with the compute plane attached.

Any SDK or the AWS CLI can use it (``--endpoint-url http://localhost:4566``); functions deployed
into it (``samplecli.py deploy PATTERN --target local``, or by hand) run in this process, and
its event source mappings (SQS, Kinesis, DynamoDB Streams) are polled on the wall clock. API
Gateway APIs deployed into it are served by the HTTP front door on the same port, in LocalStack's URL form
(``/restapis/{api_id}/{stage}/_user_request_/{path}``); state machines run.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from typing import Any

from infra.compute.clock import WallClock
from infra.compute.http.frontdoor import FrontDoor
from infra.compute.http.wsgi import with_front_door
from infra.compute.moto_hooks import install as install_moto_hooks
from infra.compute.plane import ComputePlane
from infra.exceptions import ToolkitError
from infra.targets import resolve


@dataclass
class LocalEndpoint:
    host: str
    port: int
    server: Any
    plane: ComputePlane
    front_door: FrontDoor

    @property
    def url(self) -> str:
        return f"http://{'localhost' if self.host in ('127.0.0.1', 'localhost') else self.host}:{self.port}"

    def stop(self) -> None:
        self.plane.close()
        self.front_door.close()
        self.server.shutdown()
        self.server.server_close()


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((host, port)) == 0


def start(port: int = 4566, host: str = "127.0.0.1", region: str = "us-east-1") -> LocalEndpoint:
    if port_in_use(host, port):
        raise ToolkitError(f"port {port} on {host} is already in use (another 'up' or LocalStack?): "
                           f"choose another with --port")
    install_moto_hooks()
    from moto.core.config import default_user_config
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    default_user_config["stepfunctions"] = {"execute_state_machine": True}  # moto runs state machines then
    os.environ["MOTO_PORT"] = str(port)  # where a state machine's Task calls back into this endpoint
    MotoRequestHandler.log_request = lambda self, *args, **kwargs: None  # no line per request
    target = resolve("local", f"http://{host}:{port}", region)
    clock = WallClock()
    plane: ComputePlane | None = None
    door = FrontDoor(target.client, lambda arn, event: plane.invoke(arn, event), clock,  # type: ignore[union-attr]
                     "000000000000", refresh_every=2.0,
                     function_timeout=lambda arn: plane.function(arn).timeout)  # type: ignore[union-attr]
    app = with_front_door(DomainDispatcherApplication(create_backend_app), door)
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True, name="up-endpoint").start()
    account = target.client("sts").get_caller_identity()["Account"]
    door.account_id = account
    plane = ComputePlane(target.client, clock, account, region, handler_env=target.handler_environment()).activate()
    plane.refresh_mappings()
    plane.start()
    return LocalEndpoint(host, port, server, plane, door)
