"""The runtime: what runs in this process for a target, built in one place.

    runtime = build_runtime(target, clock)          # Cloud.embedded / Cloud.remote / up / serve
    runtime.plane                                   # the compute plane, when Lambda code runs here
    runtime.http                                    # the HTTP front door (in-process: .handle())
    runtime.serve_http(port); runtime.serve_websockets(port)

The target says what runs here (``target.plane_in_this_process(hosting)``: embedded always, the
``local`` target in the ``up`` process that hosts it, LocalStack in host mode, AWS never), where the
plane finds function code (moto's backends in this process, or the Lambda API of a remote
endpoint) and which front doors it serves (``target.front_doors``).
"""

from __future__ import annotations

from typing import Any, Callable

from infra.compute.clock import Clock, WallClock
from infra.compute.plane import ComputePlane
from infra.exceptions import ToolkitError
from infra.targets import Target


class Runtime:
    def __init__(self, target: Target, plane: ComputePlane | None = None, invoke_server: Any = None,
                 http_refresh_every: float | None = None) -> None:
        self.target = target
        self.plane = plane
        self._invoke_server = invoke_server
        self._http_refresh_every = http_refresh_every
        self._http: Any = None
        self._http_server: Any = None
        self._websockets: Any = None

    @property
    def clock(self) -> Clock:
        return self.plane.clock if self.plane is not None else WallClock()

    def serves(self, kind: str) -> bool:
        """Whether a front door of this kind ("http", "websocket") runs in this process."""
        return self.plane is not None and kind in self.target.front_doors

    def _require_front_door(self, kind: str, what_the_target_serves: str) -> ComputePlane:
        if self.plane is None or not self.serves(kind):
            raise ToolkitError(f"the {self.target.name} target serves {what_the_target_serves}")
        return self.plane

    @property
    def http(self) -> Any:
        """The HTTP front door serving the target's API Gateway APIs in-process."""
        if self._http is None:
            plane = self._require_front_door("http", "its APIs itself: use api_url()")
            from infra.compute.http import FrontDoor

            self._http = FrontDoor(plane.clients, plane.invoke, plane.clock, plane.account_id,
                                   function_timeout=lambda arn: plane.function(arn).timeout,
                                   refresh_every=self._http_refresh_every)
        return self._http

    def serve_http(self, port: int = 0, host: str = "127.0.0.1") -> Any:
        """The HTTP front door on a socket (port 0: a free one); it stops with the runtime."""
        if self._http_server is None:
            from infra.compute.http import HttpFrontDoorServer

            self._http_server = HttpFrontDoorServer(self.http, port, host).start()
        return self._http_server

    def serve_websockets(self, port: int = 0, host: str = "127.0.0.1") -> Any:
        """The WebSocket front door for the target's WebSocket APIs on a socket (port 0: a free one)."""
        if self._websockets is None:
            plane = self._require_front_door("websocket", "its WebSocket APIs itself")
            from infra.compute.websocket import WebSocketFrontDoor

            self._websockets = WebSocketFrontDoor(plane.clients, plane.invoke, plane.clock, self.target.region,
                                                  host, port).start()
        return self._websockets

    def api_url(self, api_id: str, stage: str) -> str:
        """An API's base URL: this process's front door (started if need be), else the target's."""
        if self.serves("http"):
            from infra.compute.http import api_path

            return f"{self.serve_http().url}{api_path(api_id, stage)}".rstrip("/")
        return self.target.api_url(api_id, stage)

    def websocket_url(self, api_id: str, stage: str) -> str:
        """A WebSocket API's URL: this process's WebSocket front door, else the target's."""
        if self.serves("websocket"):
            return self.serve_websockets().url(api_id, stage)
        return self.target.websocket_url(api_id, stage)

    @property
    def runs_event_sources(self) -> bool:
        """Whether this process's plane polls the target's queues (moto in this process), rather
        than the endpoint doing it (LocalStack in host mode hands over invocations only)."""
        return self.plane is not None and not self.target.functions_come_from_api()

    def start(self) -> None:
        """Event sources and asynchronous invocations on their own threads (wall clock)."""
        if self.plane is None:
            raise ToolkitError(f"the {self.target.name} target runs its event sources itself")
        self.plane.start()

    def watch_invocations(self, watch: Callable[[dict[str, Any]], None]) -> None:
        """``watch(record)`` after each invocation this process runs (``up`` prints a line each)."""
        if self.plane is not None:
            self.plane.executor.watchers.append(watch)

    def invocations(self) -> list[dict[str, Any]]:
        """Every invocation this process ran (empty when the target runs the code elsewhere)."""
        return list(self.plane.executor.invocations) if self.plane is not None else []

    def refresh(self) -> None:
        """After a deploy or destroy: mappings and APIs are read again."""
        if self.plane is not None:
            self.plane.refresh_mappings()
        if self._http is not None:
            self._http.refresh()
        if self._websockets is not None:
            self._websockets.refresh()

    def close(self) -> None:
        for server in (self._websockets, self._http_server, self._invoke_server):
            if server is not None:
                server.stop()
        self._websockets = self._http_server = self._invoke_server = None
        if self._http is not None:
            self._http.close()
            self._http = None
        if self.plane is not None:
            self.plane.close()


def build_runtime(target: Target, clock: Clock | None = None, *, hosting: bool = False,
                  account_id: str | None = None, http_refresh_every: float | None = None) -> Runtime:
    """The runtime ``target`` needs in this process. ``hosting``: this process serves the target's
    endpoint (``up``). Without a plane here the runtime is empty (the target runs everything)."""
    if not target.plane_in_this_process(hosting):
        return Runtime(target)
    account = account_id or target.client("sts").get_caller_identity()["Account"]
    if target.functions_come_from_api():
        # an endpoint that stores functions but cannot run them (LocalStack in host mode): its
        # toolkit executor hands each invocation to this plane through the InvokeServer
        from infra.compute.invoke_server import InvokeServer
        from infra.compute.remote import ApiFunctionSource

        nothing: Callable[..., None] = lambda spec, stream, events: None  # noqa: E731 - LocalStack writes the logs
        plane = ComputePlane(target.client, clock or WallClock(), account, target.region,
                             handler_env=target.handler_environment(),
                             functions=ApiFunctionSource(target.client), log_sink=nothing)
        return Runtime(target, plane, InvokeServer(plane, target.client("ssm")).start())
    plane = ComputePlane(target.client, clock or WallClock(), account, target.region,
                         handler_env=target.handler_environment()).activate()
    return Runtime(target, plane, http_refresh_every=http_refresh_every)
