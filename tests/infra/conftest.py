"""Fixtures for the compute-plane and deployer tests.

``cloud`` (tests/conftest.py) is a fresh ``Cloud.embedded(clock=VirtualClock())`` per test: its own moto state and
its own compute plane (executor, pollers, asynchronous invocations, ``failed_async``) on its own
virtual clock. Stacks are deployed from fixtures/templates/ under a unique name per test.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.cloud import Cloud
from infra.deploy import Stack

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEMPLATES = FIXTURES / "templates"

# Handlers and tests meet in ``lambda_gates`` (one module object for both sides).
if str(FIXTURES / "shared") not in sys.path:
    sys.path.insert(0, str(FIXTURES / "shared"))


@pytest.fixture
def deploy(cloud: Cloud) -> Callable[..., Stack]:
    """``deploy("sqs_batch", BatchSize=5)``: deploys fixtures/templates/sqs_batch.yaml under a unique stack name."""

    def _deploy(template: str, **parameters: Any) -> Stack:
        stack_name = f"{template.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
        return cloud.deploy("fixture", template=TEMPLATES / f"{template}.yaml", stack_name=stack_name,
                            parameters={key: str(value) for key, value in parameters.items()})

    return _deploy


@pytest.fixture
def recorded(cloud: Cloud) -> Callable[[str, str], list[Any]]:
    """``recorded(bucket, prefix)``: the JSON documents fixture handlers wrote, oldest first."""

    def _recorded(bucket: str, prefix: str = "") -> list[Any]:
        s3 = cloud.client("s3")
        keys = [item["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
                for item in page.get("Contents", [])]
        return [json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) for key in sorted(keys)]

    return _recorded


@pytest.fixture
def tick(cloud: Cloud) -> Callable[[float], int]:
    """``tick(seconds)``: advance the virtual clock, then deliver everything now due."""

    def _tick(seconds: float = 0.0) -> int:
        assert cloud.plane is not None
        if seconds:
            cloud.plane.clock.advance(seconds)  # type: ignore[attr-defined]
        return cloud.plane.run_until_idle()

    return _tick
