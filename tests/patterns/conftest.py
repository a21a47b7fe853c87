"""Fixtures of the pattern tests."""

from __future__ import annotations

import uuid
from typing import Any, Iterator

import pytest

from infra import registry
from infra.cloud import Cloud
from infra.compute.clock import VirtualClock


@pytest.fixture(scope="module")
def ledger_run(request: pytest.FixtureRequest) -> Iterator[tuple[Cloud, Any, dict[str, Any]]]:
    """An event-sourcing pattern (the test module's PATTERN) deployed on a virtual clock and driven
    once by its workload with 16 producers of 3 transactions each (and a resend each):
    (cloud, stack, result)."""
    pattern = request.module.PATTERN
    workload = registry.get(pattern).workload()
    with Cloud.embedded(clock=VirtualClock()) as cloud:
        stack = cloud.deploy(pattern, stack_name=f"{pattern[-4:]}-{uuid.uuid4().hex[:6]}")
        yield cloud, stack, workload.run(cloud, stack, plans=workload.ledger.plan(producers=16, per_producer=3))
