"""Fixtures every test folder may use."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from infra.cloud import Cloud
from infra.compute.clock import VirtualClock


@pytest.fixture
def eventually() -> Callable[..., bool]:
    """``eventually(predicate, seconds=10)``: for what a server does on its own thread (a
    WebSocket close handled, a command's output printed): look every 10 ms until it holds."""

    def wait(predicate: Callable[[], bool], seconds: float = 10.0) -> bool:
        deadline = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > deadline:
                return False
            threading.Event().wait(0.01)
        return True

    return wait


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    """An embedded cloud on a virtual clock, closed after the test."""
    with Cloud.embedded(clock=VirtualClock()) as embedded:
        yield embedded
