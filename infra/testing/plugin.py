"""pytest plugin of the toolkit (entry point ``pytest11``: active once the toolkit is installed;
``pytest -p infra.testing.plugin`` otherwise).

    def test_an_order_is_recorded(cloud, events):
        app = cloud.deploy("path/to/my-sam-app")           # your template.yaml and its code
        cloud.client("sqs").send_message(QueueUrl=app["QueueUrl"], MessageBody='{"id": "1"}')
        cloud.drain()                                       # delivered, retries included, virtual time

Fixtures: ``cloud`` — an embedded cloud (moto in-process + the toolkit's compute plane) on a
virtual clock, fresh per test; ``events`` — the event factories (infra/testing/events.py);
``eventually`` — wait for what runs on another thread (a WebSocket answer, a served request).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

from infra.cloud import Cloud
from infra.compute.clock import VirtualClock
from infra.testing import events as event_factories


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    """An embedded cloud on a virtual clock, closed after the test."""
    with Cloud.embedded(clock=VirtualClock()) as embedded:
        yield embedded


@pytest.fixture
def events() -> ModuleType:
    """The event factories: ``events.s3_put(...)``, ``events.sqs_message(...)``, ``events.sns_event(...)``,
    ``events.kinesis_record(...)``, ``events.api_gateway_request(...)``."""
    return event_factories


def wait_until(predicate: Callable[[], bool], seconds: float = 10.0) -> bool:
    """For what a server does on its own thread (a WebSocket close handled, a command's output
    printed): look every 10 ms until ``predicate()`` holds; False if it did not within ``seconds``."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.01)
    return True


@pytest.fixture
def eventually() -> Callable[..., bool]:
    """``eventually(predicate, seconds=10)``: ``wait_until`` as a fixture."""
    return wait_until
