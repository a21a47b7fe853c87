"""Finds a deployed function's code and configuration in the target's control plane (moto)."""

from __future__ import annotations

import hashlib
import io
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

from infra.compute.executor import FunctionSpec
from infra.exceptions import FunctionNotFoundError

_code_root = Path(tempfile.mkdtemp(prefix="toolkit-lambda-code-"))
_extract_lock = threading.Lock()


def extract_code(zip_bytes: bytes) -> tuple[Path, str]:
    """Unpack a deployment package once per content hash; returns (folder, sha256)."""
    digest = hashlib.sha256(zip_bytes).hexdigest()
    target = _code_root / digest[:16]
    with _extract_lock:
        if not target.exists():
            staging = _code_root / f".{digest[:16]}.partial"
            with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
                archive.extractall(staging)
            staging.rename(target)
    return target, digest


_specs: dict[tuple[Any, ...], FunctionSpec] = {}


def spec_from_moto(fn: Any) -> FunctionSpec:
    """A FunctionSpec from moto's ``LambdaFunction`` (the deployed zip, handler and configuration);
    kept while the code and every configuration value it is made of stay the same."""
    environment = tuple(sorted((k, str(v)) for k, v in (fn.environment_vars or {}).items()))
    key = (fn.function_arn, fn.code_sha_256, fn.handler, fn.timeout, fn.memory_size, fn.region, environment,
           fn.role)
    found = _specs.get(key)
    if found is None:
        found = _specs[key] = _new_spec(fn)
    return found


def _new_spec(fn: Any) -> FunctionSpec:
    code_dir, digest = extract_code(fn.code_bytes)
    return FunctionSpec(
        name=fn.function_name,
        arn=fn.function_arn,
        handler=fn.handler,
        code_dir=code_dir,
        timeout=float(fn.timeout or 3),
        memory_mb=int(fn.memory_size or 128),
        environment={k: str(v) for k, v in (fn.environment_vars or {}).items()},
        region=fn.region,
        code_sha256=digest,
        role=fn.role or "",
    )


def resolve_function(function_arn_or_name: str, account_id: str, region: str) -> FunctionSpec:
    from moto.awslambda.models import lambda_backends

    if function_arn_or_name.startswith("arn:"):
        parts = function_arn_or_name.split(":")
        region, account_id = parts[3], parts[4]
    try:
        fn = lambda_backends[account_id][region].get_function(function_arn_or_name)
    except Exception as exc:  # moto raises its own not-found error types
        raise FunctionNotFoundError(f"function {function_arn_or_name} not found: {exc}") from exc
    return spec_from_moto(fn)
