"""Targets and the one factory that builds boto3 clients for them.

embedded   moto in-process (the default)
local      the endpoint of ``samplecli.py up`` (default http://localhost:4566)
localstack found as localstack-client finds it: AWS_ENDPOINT_URL, else LOCALSTACK_HOST
aws        the user's normal credentials and region
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from infra.exceptions import EndpointUnreachableError, ToolkitError

TARGETS = ("embedded", "local", "localstack", "aws")
DEFAULT_REGION = "us-east-1"
FAKE_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
_sessions: dict[str, boto3.session.Session] = {}
_clients: dict[tuple[Any, str], Any] = {}
_clients_lock = threading.Lock()
_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"}, account_id_endpoint_mode="disabled")


@dataclass(frozen=True)
class Target:
    name: str
    endpoint_url: str | None
    region: str

    def client(self, service: str) -> Any:
        """A boto3 client for this target; clients are cached (they are thread-safe)."""
        key = (self, service)
        with _clients_lock:
            if key not in _clients:
                _clients[key] = self._new_client(service)
            return _clients[key]

    def _new_client(self, service: str) -> Any:
        kwargs: dict[str, Any] = {"region_name": self.region, "config": _CONFIG}
        if self.name != "aws":
            kwargs.update(FAKE_CREDENTIALS)
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        if self.name not in _sessions:  # created late, after moto (if used) has hooked botocore
            _sessions[self.name] = boto3.session.Session()
        return _sessions[self.name].client(service, **kwargs)

    def runs_lambda_code(self) -> bool:
        """Whether the endpoint runs function code itself. embedded and local: no, the toolkit's
        compute plane does; aws: yes; LocalStack: only when it runs in Docker (its Lambda needs
        containers) — in host mode ``/_localstack/info`` says ``"is_docker": false``."""
        if self.name in ("embedded", "local"):
            return False
        if self.name == "aws" or self.endpoint_url is None:
            return True
        return _localstack_info(self.endpoint_url).get("is_docker", True) is not False

    def handler_environment(self) -> dict[str, str]:
        """What a handler needs so that its own boto3 calls reach this target."""
        env = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        if self.name != "aws":
            env.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"})
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        return env


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
    if name not in TARGETS:
        raise ToolkitError(f"unknown target '{name}': choose one of {', '.join(TARGETS)}")
    region = region or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or DEFAULT_REGION
    if name == "embedded":
        return Target(name, None, region)
    if name == "local":
        return Target(name, endpoint_url or "http://localhost:4566", region)
    if name == "localstack":
        return Target(name, endpoint_url or localstack_endpoint(), region)
    return Target(name, endpoint_url, region)


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
