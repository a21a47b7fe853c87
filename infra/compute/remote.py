"""The compute plane's view of a remote endpoint that stores functions but cannot run them
(LocalStack in host mode, without Docker): function code and configuration come through the
Lambda API, not from moto's backend in this process.
"""

from __future__ import annotations

import threading
import urllib.request
from typing import Any, Callable

from infra.compute.executor import FunctionSpec
from infra.compute.functions import extract_code
from infra.exceptions import FunctionNotFoundError


class ApiFunctionSource:
    """Finds a function by name or ARN with GetFunction; downloads its code once per CodeSha256."""

    def __init__(self, clients: Callable[[str], Any], fetch: Callable[[str], bytes] | None = None) -> None:
        self._clients = clients
        self._fetch = fetch or _download
        self._specs: dict[tuple[str, str], FunctionSpec] = {}
        self._lock = threading.Lock()

    def __call__(self, function_arn_or_name: str) -> FunctionSpec:
        lam = self._clients("lambda")
        try:
            found = lam.get_function(FunctionName=function_arn_or_name)
        except lam.exceptions.ResourceNotFoundException as exc:
            raise FunctionNotFoundError(f"function {function_arn_or_name} not found: {exc}") from exc
        config = found["Configuration"]
        key = (config["FunctionArn"], config["CodeSha256"])
        with self._lock:
            if key not in self._specs:
                code_dir, digest = extract_code(self._fetch(found["Code"]["Location"]))
                self._specs[key] = FunctionSpec(
                    name=config["FunctionName"],
                    arn=config["FunctionArn"],
                    handler=config["Handler"],
                    code_dir=code_dir,
                    timeout=float(config.get("Timeout") or 3),
                    memory_mb=int(config.get("MemorySize") or 128),
                    environment=dict(config.get("Environment", {}).get("Variables", {})),
                    region=config["FunctionArn"].split(":")[3],
                    code_sha256=digest,
                )
            return self._specs[key]


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()
