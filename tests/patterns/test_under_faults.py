"""Every pattern's workload under injected faults (a fixed seed, so a failure reproduces): each
invariant the pattern declares holds, checked from the stores after retries and redrives settle.

The same run from the CLI: ``python samplecli.py run PATTERN --faults 0.1 --seed 1``."""

from __future__ import annotations

from typing import Any

import pytest

from infra import registry
from infra.cloud import Cloud
from infra.compute import faults
from infra.compute.clock import VirtualClock
from infra.workload import broken
from patterns.event_sourcing import workload as ledger

RATE, SEED = 0.1, 1


def _quick(name: str) -> dict[str, Any]:
    """The workload's quick size, where it has one (the whole file stays within CI's budget)."""
    return {
        "batch-to-events": {"orders_per_day": 60},
        "static-offload": {"views": 40},
        "event-sourcing-kinesis": {"plans": ledger.plan(producers=8, per_producer=3)},
        "event-sourcing-fifo": {"plans": ledger.plan(producers=8, per_producer=3)},
    }.get(name, {})


@pytest.mark.parametrize("pattern", registry.all_patterns(), ids=lambda pattern: pattern.name)
def test_every_invariant_holds_under_faults(pattern):
    workload = pattern.workload()
    with Cloud.embedded(clock=VirtualClock()) as cloud:
        stack = cloud.deploy(pattern.folder)
        injector = faults.enable(cloud.plane, RATE, SEED)
        result = workload.run(cloud, stack, **_quick(pattern.name))
        invariants = workload.invariants(result)

    assert injector.total() > 0, "no fault was injected: the run proved nothing"
    assert invariants, f"{pattern.name} declares no invariants"
    assert not broken(invariants), "\n".join(item.line() for item in broken(invariants))
