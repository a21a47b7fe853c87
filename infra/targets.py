"""Targets: where a template is deployed, each an object that knows what it runs.

embedded   moto in-process (the default); this process's compute plane runs the Lambda code and
           serves the APIs (HTTP and WebSocket front doors)
local      the endpoint of ``samplecli.py up`` (default http://localhost:4566); the ``up``
           process's compute plane runs the code and serves the APIs
localstack found as localstack-client finds it: AWS_ENDPOINT_URL, else LOCALSTACK_HOST; it runs
           the code itself in Docker, or (host mode) hands each invocation to a compute plane
aws        the user's normal credentials and region; AWS runs everything

The runtime a target needs in this process (compute plane, front doors) is built from these
answers in one place: infra/runtime.py.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, ClassVar

import boto3
from botocore.config import Config

from infra.exceptions import EndpointUnreachableError, ToolkitError

DEFAULT_REGION = "us-east-1"
FAKE_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
HTTP_AND_WEBSOCKET = ("http", "websocket")
CLOUDFRONT = ("cloudfront",)
# where the 'up' process publishes its WebSocket front door (an SSM parameter on the endpoint)
WEBSOCKET_URL_PARAMETER = "/serverless-patterns-toolkit/websocket-url"
_sessions: dict[str, boto3.session.Session] = {}
_clients: dict[tuple[Any, str], Any] = {}
_clients_lock = threading.Lock()
_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"}, account_id_endpoint_mode="disabled")


def _session_sharing_models() -> boto3.session.Session:
    """A session reading botocore's service models through the default session's loader, which
    the handlers' clients use too: each model is parsed once per process, not once per session
    (Lambda's alone is ~70 ms of JSON). Loaded models are never modified, only read."""
    import botocore.session

    core = botocore.session.Session()
    core.register_component("data_loader", boto3._get_default_session()._session.get_component("data_loader"))
    return boto3.session.Session(botocore_session=core)


@dataclass(frozen=True)
class Target:
    """A target's answers; subclasses below, one per target, found by ``resolve(name)``."""

    endpoint_url: str | None
    region: str

    name: ClassVar[str]
    deploys_by_api: ClassVar[bool] = False  # the toolkit's deployer, resource by resource (moto targets)
    fake_credentials: ClassVar[bool] = True
    front_doors: ClassVar[tuple[str, ...]] = ()  # served by a compute plane of this toolkit
    stack_poll_seconds: ClassVar[float] = 0.25  # how often to ask CloudFormation whether a stack is done
    kept_after_run: ClassVar[bool] = False  # 'run' leaves the stack deployed (AWS: the user decides)
    in_this_process: ClassVar[bool] = False  # the whole cloud lives in this process (gone when it ends)

    @classmethod
    def default_endpoint(cls, given: str | None) -> str | None:
        return given

    def client(self, service: str) -> Any:
        """A boto3 client for this target; clients are cached (they are thread-safe)."""
        key = (self, service)
        with _clients_lock:
            if key not in _clients:
                _clients[key] = self._new_client(service)
            return _clients[key]

    def _new_client(self, service: str) -> Any:
        kwargs: dict[str, Any] = {"region_name": self.region, "config": _CONFIG}
        if self.fake_credentials:
            kwargs.update(FAKE_CREDENTIALS)
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        if self.name not in _sessions:  # created late, after moto (if used) has hooked botocore
            _sessions[self.name] = _session_sharing_models()
        return _sessions[self.name].client(service, **kwargs)

    def runs_lambda_code(self) -> bool:
        """Whether the endpoint runs function code itself (False: a compute plane of the toolkit does)."""
        return False

    def plane_in_this_process(self, hosting: bool = False) -> bool:
        """Whether this process runs the handlers: ``hosting`` is true in the process that serves
        the endpoint itself (``up``)."""
        return False

    def functions_come_from_api(self) -> bool:
        """Whether a compute plane here finds function code through the Lambda API (a remote
        endpoint) rather than moto's backends in this process."""
        return False

    def handler_environment(self) -> dict[str, str]:
        """What a handler needs so that its own boto3 calls reach this target."""
        env = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        if self.fake_credentials:
            env.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"})
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        return env

    def api_url(self, api_id: str, stage: str) -> str:
        """An API's base URL as the target serves it (LocalStack's ``/restapis/...`` form on an endpoint)."""
        from infra.compute.http import api_path

        return f"{(self.endpoint_url or '').rstrip('/')}{api_path(api_id, stage)}".rstrip("/")

    def websocket_url(self, api_id: str, stage: str) -> str:
        """A WebSocket API's URL as the target serves it."""
        raise ToolkitError(f"the {self.name} target does not serve WebSocket APIs")

    def distribution_url(self, distribution_id: str) -> str:
        """A CloudFront distribution's URL as the target serves it: its domain name."""
        domain = self.client("cloudfront").get_distribution(Id=distribution_id)["Distribution"]["DomainName"]
        return f"https://{domain}"

    def who_runs_functions(self, plane_here: bool) -> str:
        """One line for the CLI: who runs the deployed functions' code."""
        raise NotImplementedError


@dataclass(frozen=True)
class EmbeddedTarget(Target):
    name: ClassVar[str] = "embedded"
    deploys_by_api: ClassVar[bool] = True
    in_this_process: ClassVar[bool] = True
    front_doors: ClassVar[tuple[str, ...]] = HTTP_AND_WEBSOCKET + CLOUDFRONT

    @classmethod
    def default_endpoint(cls, given: str | None) -> str | None:
        return None  # moto in this process

    def plane_in_this_process(self, hosting: bool = False) -> bool:
        return True

    def api_url(self, api_id: str, stage: str) -> str:
        raise ToolkitError("the embedded target's APIs are served by the front door of its own process")

    def websocket_url(self, api_id: str, stage: str) -> str:
        raise ToolkitError("the embedded target's WebSocket APIs are served by its own process")

    def distribution_url(self, distribution_id: str) -> str:
        raise ToolkitError("the embedded target's distributions are served by its own process")

    def who_runs_functions(self, plane_here: bool) -> str:
        return "the toolkit's compute plane runs the handlers in this process"


@dataclass(frozen=True)
class LocalTarget(Target):
    """``samplecli.py up``'s endpoint: moto server with the toolkit's compute plane attached."""

    name: ClassVar[str] = "local"
    deploys_by_api: ClassVar[bool] = True
    front_doors: ClassVar[tuple[str, ...]] = HTTP_AND_WEBSOCKET + CLOUDFRONT

    @classmethod
    def default_endpoint(cls, given: str | None) -> str | None:
        return given or "http://localhost:4566"

    def plane_in_this_process(self, hosting: bool = False) -> bool:
        return hosting

    def websocket_url(self, api_id: str, stage: str) -> str:
        """The ``up`` process publishes where its WebSocket front door listens."""
        ssm = self.client("ssm")
        try:
            base = ssm.get_parameter(Name=WEBSOCKET_URL_PARAMETER)["Parameter"]["Value"]
        except ssm.exceptions.ParameterNotFound as exc:
            raise ToolkitError(f"the endpoint at {self.endpoint_url} serves no WebSocket APIs "
                               f"(not started by 'samplecli.py up'?)") from exc
        return f"{base.rstrip('/')}/{api_id}/{stage}"

    def distribution_url(self, distribution_id: str) -> str:
        """The ``up`` process serves each distribution under ``/_cloudfront/{id}`` on its endpoint."""
        from infra.compute.cloudfront.wsgi import distribution_path

        return f"{(self.endpoint_url or '').rstrip('/')}{distribution_path(distribution_id)}"

    def who_runs_functions(self, plane_here: bool) -> str:
        return "the 'up' process runs the handlers (see its output and the /aws/lambda/* log groups)"


@dataclass(frozen=True)
class LocalStackTarget(Target):
    name: ClassVar[str] = "localstack"

    @classmethod
    def default_endpoint(cls, given: str | None) -> str | None:
        return given or localstack_endpoint()

    def runs_lambda_code(self) -> bool:
        """LocalStack runs Lambda code only when it runs in Docker (its Lambda needs containers):
        in host mode ``/_localstack/info`` says ``"is_docker": false``."""
        if self.endpoint_url is None:
            return True
        return _localstack_info(self.endpoint_url).get("is_docker", True) is not False

    def plane_in_this_process(self, hosting: bool = False) -> bool:
        return not self.runs_lambda_code()

    def functions_come_from_api(self) -> bool:
        return True

    def who_runs_functions(self, plane_here: bool) -> str:
        if self.runs_lambda_code():
            return f"localstack at {self.endpoint_url or 'its default endpoint'} runs the functions itself"
        return (f"LocalStack at {self.endpoint_url} runs without Docker: it runs the event sources and "
                f"hands each invocation to the toolkit's executor, "
                + ("which runs the handler in this process" if plane_here
                   else "answered while a 'run --target localstack' process is attached"))


@dataclass(frozen=True)
class AwsTarget(Target):
    name: ClassVar[str] = "aws"
    fake_credentials: ClassVar[bool] = False
    stack_poll_seconds: ClassVar[float] = 5.0  # AWS takes minutes: asked less often
    kept_after_run: ClassVar[bool] = True

    def runs_lambda_code(self) -> bool:
        return True

    def api_url(self, api_id: str, stage: str) -> str:
        return f"https://{api_id}.execute-api.{self.region}.amazonaws.com/{stage}"

    def websocket_url(self, api_id: str, stage: str) -> str:
        return f"wss://{api_id}.execute-api.{self.region}.amazonaws.com/{stage}"

    def who_runs_functions(self, plane_here: bool) -> str:
        return f"aws at {self.endpoint_url or 'its default endpoint'} runs the functions itself"


TARGET_TYPES: dict[str, type[Target]] = {t.name: t for t in (EmbeddedTarget, LocalTarget, LocalStackTarget, AwsTarget)}
TARGETS = tuple(TARGET_TYPES)

_info_cache: dict[str, dict[str, Any]] = {}


def _localstack_info(endpoint_url: str) -> dict[str, Any]:
    """LocalStack's ``/_localstack/info`` (empty for an endpoint that is not LocalStack)."""
    import json
    import urllib.error
    import urllib.request

    if endpoint_url not in _info_cache:
        try:
            with urllib.request.urlopen(endpoint_url.rstrip("/") + "/_localstack/info", timeout=5) as response:
                info = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            info = {}
        _info_cache[endpoint_url] = info if isinstance(info, dict) else {}
    return _info_cache[endpoint_url]


def localstack_endpoint(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    if env.get("AWS_ENDPOINT_URL"):
        return env["AWS_ENDPOINT_URL"]
    host = env.get("LOCALSTACK_HOST") or "localhost:4566"
    scheme = "https" if env.get("USE_SSL", "").lower() in ("1", "true") else "http"
    return f"{scheme}://{host}"


def resolve(name: str, endpoint_url: str | None = None, region: str | None = None) -> Target:
    kind = TARGET_TYPES.get(name)
    if kind is None:
        raise ToolkitError(f"unknown target '{name}': choose one of {', '.join(TARGETS)}")
    region = region or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or DEFAULT_REGION
    return kind(kind.default_endpoint(endpoint_url), region)


def check_reachable(target: Target) -> None:
    """Fail with one line when the target's endpoint does not answer."""
    if target.endpoint_url is None:
        return
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(target.endpoint_url, timeout=10)  # a cold endpoint may take seconds
    except urllib.error.HTTPError:
        return  # it answered
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise EndpointUnreachableError(
            f"no AWS endpoint answers at {target.endpoint_url} ({reason}); "
            f"start one with 'python samplecli.py up' or point --endpoint-url at it"
        ) from exc
