"""The public API: a cloud on one target, where patterns are deployed and driven.

    with Cloud.embedded() as cloud:            # moto in-process + the compute plane
        stack = cloud.deploy("file-conversion")
        cloud.client("s3").put_object(...)
        cloud.drain()                          # deliver everything, retries included

``Cloud.embedded(clock=VirtualClock())`` makes time virtual (tests); ``Cloud.remote(target)``
talks to an endpoint (``samplecli.py up``, LocalStack, AWS) whose compute plane runs elsewhere.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

from infra import deploy as deployer
from infra import registry
from infra.compute.clock import Clock, VirtualClock, WallClock
from infra.compute.moto_hooks import install as install_moto_hooks
from infra.compute.plane import ComputePlane
from infra.compute.sources.sqs import mapped_queue_urls, queued_messages
from infra.exceptions import ToolkitError
from infra.targets import Target, check_reachable, resolve


def _put_env(key: str, value: str | None) -> None:
    """Set a process environment variable; None removes it."""
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


class Cloud:
    def __init__(self, target: Target, plane: ComputePlane | None = None, mock: Any = None) -> None:
        self.target = target
        self.plane = plane
        self._mock = mock
        self._saved_env: dict[str, str | None] = {}
        self._invoke_server: Any = None
        self._front_door: Any = None
        self._front_door_server: Any = None
        self._websocket_door: Any = None

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def embedded(cls, clock: Clock | None = None, region: str = "us-east-1") -> "Cloud":
        from moto import mock_aws

        cloud = cls(resolve("embedded", region=region))
        cloud._set_env({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": region, "AWS_ENDPOINT_URL": None})
        install_moto_hooks()
        # Step Functions runs state machines only when asked (research/moto.md)
        cloud._mock = mock_aws(config={"core": {"reset_boto3_session": False},
                                       "stepfunctions": {"execute_state_machine": True}})
        cloud._mock.start()
        account = deployer.account_id(cloud.target)
        cloud.plane = ComputePlane(cloud.client, clock or VirtualClock(), account, region).activate()
        return cloud

    @classmethod
    def remote(cls, target_name: str, endpoint_url: str | None = None, region: str | None = None,
               run_functions: bool = False) -> "Cloud":
        """A cloud on an endpoint. With ``run_functions``, when the endpoint is LocalStack without
        Docker (it cannot run Lambda code), this process runs the handlers for it: LocalStack's
        toolkit executor hands each invocation to ``cloud.plane`` through an InvokeServer."""
        target = resolve(target_name, endpoint_url, region)
        check_reachable(target)
        cloud = cls(target)
        if run_functions and cloud.functions_run_by == "toolkit":
            from infra.compute.invoke_server import InvokeServer
            from infra.compute.remote import ApiFunctionSource

            cloud.plane = ComputePlane(target.client, WallClock(), deployer.account_id(target), target.region,
                                       handler_env=target.handler_environment(),
                                       functions=ApiFunctionSource(target.client),
                                       log_sink=lambda spec, stream, events: None)  # LocalStack writes the logs
            cloud._invoke_server = InvokeServer(cloud.plane, target.client("ssm")).start()
        return cloud

    @property
    def functions_run_by(self) -> str:
        """Who runs the deployed functions' code: 'toolkit' (a compute plane of this toolkit: this
        process's, or the ``up`` endpoint's) or 'target' (LocalStack in Docker, AWS)."""
        return "target" if self.target.runs_lambda_code() else "toolkit"

    def _set_env(self, values: dict[str, str | None]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            _put_env(key, value)

    def close(self) -> None:
        for door in ("_websocket_door", "_front_door_server", "_invoke_server"):
            if getattr(self, door) is not None:
                getattr(self, door).stop()
                setattr(self, door, None)
        if self._front_door is not None:
            self._front_door.close()
            self._front_door = None
        if self.plane is not None:
            self.plane.close()
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        for key, value in self._saved_env.items():
            _put_env(key, value)

    def __enter__(self) -> "Cloud":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- use --------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        return self.target.client(service)

    def deploy(self, pattern: str, parameters: dict[str, Any] | None = None,
               progress: Callable[[str], None] = lambda message: None,
               template: Path | None = None, stack_name: str | None = None) -> deployer.Stack:
        found = registry.get(pattern) if template is None else None
        path = template or found.template  # type: ignore[union-attr]
        stack = deployer.deploy(self.target, path, stack_name or pattern, parameters, progress)
        self._refresh()
        return stack

    def _refresh(self) -> None:
        if self.plane is not None:
            self.plane.refresh_mappings()
        if self._front_door is not None:
            self._front_door.refresh()
        if self._websocket_door is not None:
            self._websocket_door.refresh()

    def destroy(self, stack_name: str, progress: Callable[[str], None] = lambda message: None) -> deployer.Stack:
        stack = deployer.destroy(self.target, stack_name, progress)
        self._refresh()
        return stack

    # -- API Gateway --------------------------------------------------------------------------
    def _require_own_plane(self, what_the_target_serves: str) -> None:
        """Front doors run on this process's compute plane: embedded and ``up`` (local) only."""
        if self.plane is None or self.target.name not in ("embedded", "local"):
            raise ToolkitError(f"the {self.target.name} target serves {what_the_target_serves}")

    @property
    def front_door(self) -> Any:
        """The HTTP front door serving this cloud's API Gateway APIs in-process
        (``cloud.front_door.handle(HttpRequest.build(...))``); embedded and ``up`` planes only."""
        if self._front_door is None:
            self._require_own_plane("its APIs itself: use api_url()")
            from infra.compute.http import FrontDoor

            plane = self.plane
            self._front_door = FrontDoor(self.client, plane.invoke, plane.clock, plane.account_id,
                                         function_timeout=lambda arn: plane.function(arn).timeout)
        return self._front_door

    def serve_http(self, port: int = 0, host: str = "127.0.0.1") -> Any:
        """Put the front door on a socket (port 0: a free one); it stops with the cloud."""
        if self._front_door_server is None:
            from infra.compute.http import HttpFrontDoorServer

            self._front_door_server = HttpFrontDoorServer(self.front_door, port, host).start()
        return self._front_door_server

    def serve_websockets(self, port: int = 0, host: str = "127.0.0.1") -> Any:
        """The WebSocket front door for this cloud's WebSocket APIs on a socket (port 0: a free
        one); embedded and ``up`` planes only; it stops with the cloud."""
        if self._websocket_door is None:
            self._require_own_plane("its WebSocket APIs itself")
            from infra.compute.websocket import WebSocketFrontDoor

            self._websocket_door = WebSocketFrontDoor(self.client, self.plane.invoke, self.plane.clock,
                                                      self.target.region, host, port).start()
        return self._websocket_door

    def websocket_url(self, api_id: str, stage: str) -> str:
        """A WebSocket API's URL: the front door's (started if need be) here, wss:// on AWS."""
        if self.target.name == "aws":
            return f"wss://{api_id}.execute-api.{self.target.region}.amazonaws.com/{stage}"
        return self.serve_websockets().url(api_id, stage)

    def api_url(self, api_id: str, stage: str) -> str:
        """An API's base URL on this target: the front door (started if need be) on the embedded
        target, LocalStack's ``/restapis/...`` form on LocalStack, execute-api on AWS."""
        from infra.compute.http import api_path

        if self.target.name == "aws":
            return f"https://{api_id}.execute-api.{self.target.region}.amazonaws.com/{stage}"
        if self.target.name == "localstack" or self.plane is None:
            return f"{self.target.endpoint_url.rstrip('/')}{api_path(api_id, stage)}".rstrip("/")
        return f"{self.serve_http().url}{api_path(api_id, stage)}".rstrip("/")

    def drain(self, max_seconds: float = 3600.0) -> None:
        """Deliver everything in flight, retries and redrives included.

        Embedded on a virtual clock this advances time; on the wall clock, or on a remote target
        whose compute plane runs elsewhere, it waits until the event sources have nothing in flight
        (queued messages, unprocessed or held stream records) — on a remote target: the mapped queues.
        """
        if self.plane is not None and isinstance(self.plane.clock, VirtualClock):
            self.plane.settle(max_seconds)
            return
        deadline = time.monotonic() + max_seconds
        idle = threading.Event()
        quiet_checks = 0
        while time.monotonic() < deadline:
            busy = 0
            if self.plane is not None:
                self.plane.run_until_idle()
                busy += self.plane.in_flight()
            if self.plane is None or self.target.name not in ("embedded", "local"):
                # the endpoint (or the 'up' process) polls its queues: watch the mapped ones empty
                sqs = self.client("sqs")
                busy += queued_messages(sqs, mapped_queue_urls(self.client("lambda"), sqs))
            quiet_checks = 0 if busy else quiet_checks + 1
            if quiet_checks >= 2:
                return
            idle.wait(0.1)
        raise ToolkitError(f"the pipeline was still busy after {max_seconds:.0f} s")

    @property
    def clock(self) -> Clock:
        return self.plane.clock if self.plane is not None else WallClock()
