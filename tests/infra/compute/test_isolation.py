"""The per-thread ``os.environ`` and ``sys.stdout``/``sys.stderr`` views are in place only while a
compute plane runs handlers: the process gets its own objects back when the last plane closes."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import uuid
from pathlib import Path

import pytest

from infra.cloud import Cloud
from infra.compute import isolation
from infra.compute.clock import VirtualClock

TEMPLATES = Path(__file__).resolve().parents[1] / "fixtures" / "templates"


def _process_objects() -> tuple[object, object, object]:
    return os.environ, sys.stdout, sys.stderr


def test_closing_the_last_compute_plane_restores_the_process_environ_and_streams() -> None:
    before = _process_objects()

    with Cloud.embedded(clock=VirtualClock()) as cloud:
        stack = cloud.deploy("fixture", template=TEMPLATES / "functions.yaml",
                             stack_name=f"isolation-{uuid.uuid4().hex[:8]}")
        echo = stack.resource("EchoFunction").physical_id
        answer = cloud.client("lambda").invoke(FunctionName=echo, LogType="Tail",
                                               Payload=json.dumps({"say": "hi", "env_keys": ["GREETING"]}))
        seen = json.loads(answer["Payload"].read())
        while_open = _process_objects()

    assert seen["env"] == {"GREETING": "hello-from-echo"}
    assert isinstance(while_open[0], isolation.ThreadEnviron) and isinstance(while_open[1], isolation.ThreadStream)
    after = _process_objects()
    assert after[0] is before[0] and after[1] is before[1] and after[2] is before[2]
    assert not any(isinstance(h, isolation.InvocationLogHandler) for h in logging.getLogger().handlers)


def test_the_views_stay_while_any_plane_is_open_and_go_with_the_last() -> None:
    before = _process_objects()
    first, second = Cloud.embedded(clock=VirtualClock()), Cloud.embedded(clock=VirtualClock())
    try:
        first.close()
        assert isinstance(os.environ, isolation.ThreadEnviron) and isinstance(sys.stdout, isolation.ThreadStream)
    finally:
        second.close()
        first.close()  # a second close gives nothing back twice
    assert _process_objects() == before and all(a is b for a, b in zip(_process_objects(), before))


def test_an_invocation_sees_its_variables_and_writes_its_log_while_other_threads_see_the_process() -> None:
    isolation.install()
    try:
        log = io.StringIO()
        name = f"TOOLKIT_TEST_{uuid.uuid4().hex[:8].upper()}"
        with isolation.isolated({name: "inside"}, log, "request-1"):
            inside = os.environ.get(name)
            print("printed inside")
            logging.getLogger("isolation-test").warning("logged inside")
        outside = os.environ.get(name)
    finally:
        isolation.uninstall()
    assert inside == "inside" and outside is None
    assert "printed inside" in log.getvalue() and "request-1\tlogged inside" in log.getvalue()


def test_isolating_without_the_views_installed_is_a_clear_error() -> None:
    if isolation.installed():
        pytest.skip("a compute plane of another test is still open")
    with pytest.raises(isolation.NotInstalled, match="install"):
        with isolation.isolated({}, io.StringIO()):
            pass
