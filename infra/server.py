"""``samplecli.py up``: a local AWS endpoint (moto server) with the compute plane attached.

Any SDK or the AWS CLI can use it (``--endpoint-url http://localhost:4566``); functions deployed
into it (``samplecli.py deploy PATTERN --target local``, or by hand) run in this process, and
its SQS event source mappings are polled on the wall clock.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from infra.compute.clock import WallClock
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

    @property
    def url(self) -> str:
        return f"http://{'localhost' if self.host in ('127.0.0.1', 'localhost') else self.host}:{self.port}"

    def stop(self) -> None:
        self.plane.close()
        self.server.stop()


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((host, port)) == 0


def start(port: int = 4566, host: str = "127.0.0.1", region: str = "us-east-1") -> LocalEndpoint:
    from moto.server import ThreadedMotoServer

    if port_in_use(host, port):
        raise ToolkitError(f"port {port} on {host} is already in use (another 'up' or LocalStack?): "
                           f"choose another with --port")
    install_moto_hooks()
    from moto.moto_server.threaded_moto_server import MotoRequestHandler

    MotoRequestHandler.log_request = lambda self, *args, **kwargs: None  # no line per request
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    target = resolve("local", f"http://{host}:{port}", region)
    account = target.client("sts").get_caller_identity()["Account"]
    plane = ComputePlane(target.client, WallClock(), account, region,
                         handler_env=target.handler_environment()).activate()
    plane.refresh_mappings()
    plane.start()
    return LocalEndpoint(host, port, server, plane)
