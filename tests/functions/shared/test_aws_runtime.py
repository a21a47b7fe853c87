"""aws_runtime: a handler's clock and AWS clients, and the one seam a compute plane uses to give
handlers its clock."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import aws_runtime
import pytest

from infra.cloud import Cloud
from infra.compute.clock import VirtualClock

SHARED = Path(__file__).resolve().parents[3] / "functions" / "shared"


@pytest.fixture
def no_clock():
    installed = aws_runtime.clock_in_use()
    aws_runtime.use_clock(None)
    yield
    aws_runtime.use_clock(installed)


def test_without_a_host_clock_now_is_the_wall_clock(no_clock):
    assert abs(aws_runtime.now() - time.time()) < 1


def test_a_host_clock_is_read_until_it_is_taken_back(no_clock):
    aws_runtime.use_clock(lambda: 1_000.0)
    assert aws_runtime.now() == 1_000.0
    aws_runtime.use_clock(None)
    assert abs(aws_runtime.now() - time.time()) < 1


def test_clients_are_kept_per_service_endpoint_region_and_credentials(monkeypatch):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):  # Lambda sets both
        monkeypatch.setenv(name, "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFIRSTROLE0000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    first = aws_runtime.client("sqs")
    assert aws_runtime.client("sqs") is first and aws_runtime.client("sns") is not first
    assert aws_runtime.client("sqs", "http://localhost:4566") is not first
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIASECONDROLE000000")  # another function's role
    assert aws_runtime.client("sqs") is not first
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(name, "us-east-1")
    assert aws_runtime.client("sqs").meta.region_name == "us-east-1"


def test_handlers_read_the_active_planes_virtual_clock_and_the_wall_clock_once_it_closes():
    clock = VirtualClock(start=1_000_000.0)
    cloud = Cloud.embedded(clock=clock)
    try:
        clock.advance(42.0)
        assert aws_runtime.now() == 1_000_042.0
    finally:
        cloud.close()
    assert abs(aws_runtime.now() - time.time()) < 5


def test_handler_side_libraries_know_nothing_of_the_simulator():
    for source in SHARED.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        imported = {alias.name for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(ast.parse(text)) if isinstance(node, ast.ImportFrom)}
        assert not {name for name in imported if name.split(".")[0] in ("infra", "moto")}, source
        assert "sys.modules" not in text, f"{source} looks a module up in sys.modules"
