"""What the executor keeps between invocations (the process environment's snapshot, each
function's spec) never hides a change: a new process variable, a new function configuration."""

from __future__ import annotations

import json
import os
import uuid


def _env_seen(cloud, function, keys):
    result = cloud.client("lambda").invoke(FunctionName=function, Payload=json.dumps({"env_keys": keys}))
    return json.loads(result["Payload"].read())["env"]


def test_a_process_variable_set_between_invocations_is_seen_by_the_next(cloud, deploy):
    stack = deploy("functions")
    echo = stack.resource("EchoFunction").physical_id
    name = f"TOOLKIT_TEST_{uuid.uuid4().hex[:8].upper()}"
    before = _env_seen(cloud, echo, [name])

    os.environ[name] = "now-set"
    try:
        after = _env_seen(cloud, echo, [name])
    finally:
        del os.environ[name]
    gone = _env_seen(cloud, echo, [name])

    assert before == {name: None} and after == {name: "now-set"} and gone == {name: None}


def test_an_updated_function_configuration_is_used_by_the_next_invocation(cloud, deploy):
    stack = deploy("functions")
    echo = stack.resource("EchoFunction").physical_id
    first = _env_seen(cloud, echo, ["GREETING"])

    cloud.client("lambda").update_function_configuration(
        FunctionName=echo, Environment={"Variables": {"GREETING": "changed", "SHARED_NAME": "echo"}})
    second = _env_seen(cloud, echo, ["GREETING"])

    assert first == {"GREETING": "hello-from-echo"} and second == {"GREETING": "changed"}
