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
from infra.compute import iam
from infra.compute.clock import Clock, VirtualClock, WallClock
from infra.compute.moto_hooks import install as install_moto_hooks
from infra.compute.plane import ComputePlane
from infra.compute.sources.sqs import mapped_queue_urls, queued_messages
from infra.exceptions import ToolkitError
from infra.metering.meter import unmetered
from infra.runtime import Runtime, build_runtime
from infra.targets import TARGET_TYPES, Target, check_reachable, resolve


def _put_env(key: str, value: str | None) -> None:
    """Set a process environment variable; None removes it."""
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


class Cloud:
    def __init__(self, target: Target, runtime: Runtime | None = None, mock: Any = None) -> None:
        self.target = target
        self.runtime = runtime or Runtime(target)
        self._mock = mock
        self._saved_env: dict[str, str | None] = {}

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def embedded(cls, clock: Clock | None = None, region: str = "us-east-1",
                 enforce_iam: bool | None = None) -> "Cloud":
        from moto import mock_aws

        cloud = cls(resolve("embedded", region=region))
        cloud._set_env({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": region, "AWS_ENDPOINT_URL": None})
        install_moto_hooks()
        # Step Functions runs state machines only when asked (research/moto.md)
        cloud._mock = mock_aws(config={"core": {"reset_boto3_session": False},
                                       "stepfunctions": {"execute_state_machine": True}})
        cloud._mock.start()
        cloud.runtime = build_runtime(cloud.target, clock or VirtualClock())
        iam.enforce(enforce_iam, owner=cloud.plane)  # functions' calls checked against their roles (None: TOOLKIT_IAM)
        return cloud

    @classmethod
    def remote(cls, target_name: str, endpoint_url: str | None = None, region: str | None = None,
               run_functions: bool = False) -> "Cloud":
        """A cloud on an endpoint. With ``run_functions``, when the endpoint is LocalStack without
        Docker (it cannot run Lambda code), this process runs the handlers for it: LocalStack's
        toolkit executor hands each invocation to this process's plane through an InvokeServer."""
        target = resolve(target_name, endpoint_url, region)
        check_reachable(target)
        return cls(target, build_runtime(target, WallClock()) if run_functions else None)

    @classmethod
    def open(cls, target_name: str, endpoint_url: str | None = None, region: str | None = None,
             run_functions: bool = False) -> "Cloud":
        """A cloud on the named target: embedded in this process, or ``remote``."""
        if TARGET_TYPES.get(target_name, Target).in_this_process:
            return cls.embedded(region=region or "us-east-1")
        return cls.remote(target_name, endpoint_url, region, run_functions)

    @property
    def plane(self) -> ComputePlane | None:
        """The compute plane in this process (None when the target runs the code elsewhere)."""
        return self.runtime.plane

    @property
    def functions_run_by(self) -> str:
        """Who runs the deployed functions' code: 'toolkit' (a compute plane of this toolkit: this
        process's, or the ``up`` endpoint's) or 'target' (LocalStack in Docker, AWS)."""
        return "target" if self.target.runs_lambda_code() else "toolkit"

    def who_runs_functions(self) -> str:
        """One line saying who runs the deployed functions' code, for people."""
        return self.target.who_runs_functions(plane_here=self.plane is not None)

    def _set_env(self, values: dict[str, str | None]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            _put_env(key, value)

    def close(self) -> None:
        self.runtime.close()
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

    def deploy(self, pattern: str | Path, parameters: dict[str, Any] | None = None,
               progress: Callable[[str], None] = lambda message: None,
               template: Path | None = None, stack_name: str | None = None) -> deployer.Stack:
        """Deploy a pattern (by name) or a user's SAM app (the path of its folder); the stack's
        outputs are ``stack.outputs`` (or ``stack["OutputName"]``)."""
        found = registry.get(str(pattern)) if template is None else None
        path = template or found.template  # type: ignore[union-attr]
        name = stack_name or (found.name if found is not None else str(pattern))
        stack = deployer.deploy(self.target, path, name, parameters, progress)
        self._refresh()
        return stack

    def _refresh(self) -> None:
        self.runtime.refresh()

    def destroy(self, stack_name: str, progress: Callable[[str], None] = lambda message: None) -> deployer.Stack:
        stack = deployer.destroy(self.target, stack_name, progress)
        self._refresh()
        return stack

    # -- API Gateway ----------------------------------------------------------------------------
    @property
    def front_door(self) -> Any:
        """The HTTP front door serving this cloud's API Gateway APIs in-process
        (``cloud.front_door.handle(HttpRequest.build(...))``); embedded and ``up`` planes only."""
        return self.runtime.http

    def serve_http(self, port: int = 0, host: str = "127.0.0.1") -> Any:
        """Put the front door on a socket (port 0: a free one); it stops with the cloud."""
        return self.runtime.serve_http(port, host)

    def serve_websockets(self, port: int = 0, host: str = "127.0.0.1") -> Any:
        """The WebSocket front door for this cloud's WebSocket APIs on a socket (port 0: a free
        one); embedded and ``up`` planes only; it stops with the cloud."""
        return self.runtime.serve_websockets(port, host)

    def websocket_url(self, api_id: str, stage: str) -> str:
        """A WebSocket API's URL: the front door's (started if need be) here, ``up``'s on the local
        target, wss:// on AWS."""
        return self.runtime.websocket_url(api_id, stage)

    def api_url(self, api_id: str, stage: str) -> str:
        """An API's base URL on this target: the front door (started if need be) on the embedded
        target, LocalStack's ``/restapis/...`` form on an endpoint, execute-api on AWS."""
        return self.runtime.api_url(api_id, stage)

    def api_urls(self, stack: deployer.Stack) -> list[tuple[str, str, str]]:
        """Every API the stack deployed, each stage: (kind, API name, URL); WebSocket APIs get
        their ws:// URL, REST and HTTP APIs their base URL."""
        apis = sorted(self._apis(stack), key=lambda api: api[0] == "WEBSOCKET")  # WebSocket APIs last
        return [(kind, name, self.websocket_url(api_id, stage) if kind == "WEBSOCKET" else self.api_url(api_id, stage))
                for kind, name, api_id, stages in apis for stage in stages]

    def _apis(self, stack: deployer.Stack) -> list[tuple[str, str, str, list[str]]]:
        """The stack's API Gateway APIs from the control plane: (kind, name, id, stages)."""
        found = []
        for resource in stack.resources:
            api_id = resource.physical_id
            if resource.type == "AWS::ApiGateway::RestApi":
                v1 = self.client("apigateway")
                stages = sorted(s["stageName"] for s in v1.get_stages(restApiId=api_id)["item"])
                found.append(("REST", v1.get_rest_api(restApiId=api_id).get("name", ""), api_id, stages))
            elif resource.type == "AWS::ApiGatewayV2::Api":
                v2 = self.client("apigatewayv2")
                api = v2.get_api(ApiId=api_id)
                stages = sorted(s["StageName"] for s in v2.get_stages(ApiId=api_id)["Items"])
                kind = "WEBSOCKET" if api["ProtocolType"] == "WEBSOCKET" else "HTTP"
                found.append((kind, api.get("Name", ""), api_id, stages))
        return found

    def serve(self, stack: deployer.Stack, port: int = 0, ws_port: int = 0,
              host: str = "127.0.0.1") -> list[tuple[str, str, str]]:
        """Serve the stack's APIs on sockets (HTTP on ``port``, WebSocket APIs on ``ws_port``; 0: a
        free one) and run the event sources on their own threads; returns ``api_urls(stack)``."""
        apis = self._apis(stack)
        if not apis:
            raise ToolkitError(f"{stack.name} has no API Gateway API to serve")
        self.serve_http(port, host)
        if any(kind == "WEBSOCKET" for kind, *_ in apis):
            self.serve_websockets(ws_port, host)
        self.runtime.start()
        return self.api_urls(stack)

    def invocations(self) -> list[dict[str, Any]]:
        """Every invocation this process ran, oldest first (empty when the target runs the code)."""
        return self.runtime.invocations()

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
            if not self.runtime.runs_event_sources:
                # the endpoint (or the 'up' process) polls its queues: watch the mapped ones empty
                sqs = self.client("sqs")
                with unmetered():  # metering: watching the queues is not the architecture's work
                    busy += queued_messages(sqs, mapped_queue_urls(self.client("lambda"), sqs))
            quiet_checks = 0 if busy else quiet_checks + 1
            if quiet_checks >= 2:
                return
            idle.wait(0.1)
        raise ToolkitError(f"the pipeline was still busy after {max_seconds:.0f} s")

    @property
    def clock(self) -> Clock:
        return self.runtime.clock
