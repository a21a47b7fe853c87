"""The executor: real handlers run in-process the way Lambda runs them.

Functions come from fixtures/templates/functions.yaml (handlers in fixtures/handlers/) and are
invoked directly through boto3 (``lambda.invoke`` reaches moto, whose invoke path is handed to
the compute plane) or through ``cloud.plane.invoke`` where the executor's own result is wanted.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from typing import Any

import lambda_gates

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _invoke(cloud: Any, function: str, event: dict[str, Any], **kwargs: Any) -> tuple[dict[str, Any], Any]:
    response = cloud.client("lambda").invoke(FunctionName=function, Payload=json.dumps(event).encode(), **kwargs)
    return response, json.loads(response["Payload"].read())


def _log_messages(cloud: Any, function: str) -> list[str]:
    logs = cloud.client("logs")
    events = []
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{function}"):
        events.extend(page["events"])
    return [event["message"] for event in events]


def test_handler_receives_lambda_context_with_name_arn_request_id_memory_and_remaining_time(cloud, deploy):
    stack = deploy("functions")
    response, payload = _invoke(cloud, stack.outputs["Echo"], {"say": "context"}, LogType="Tail")

    assert "FunctionError" not in response
    assert payload["function_name"] == stack.outputs["Echo"]
    assert payload["invoked_function_arn"] == stack.outputs["EchoArn"]
    assert UUID.match(payload["aws_request_id"])
    assert payload["memory_limit_in_mb"] == 256
    assert 0 < payload["remaining_ms"] <= 7000  # the template's Timeout is 7 s
    assert payload["log_group_name"] == f"/aws/lambda/{stack.outputs['Echo']}"
    tail = base64.b64decode(response["LogResult"]).decode()
    assert f"START RequestId: {payload['aws_request_id']}" in tail


def test_remaining_time_counts_down_with_the_virtual_clock(cloud, deploy):
    stack = deploy("functions")  # GatedFunction has Timeout: 4
    gate = uuid.uuid4().hex
    entered, release = lambda_gates.event(f"{gate}-in"), lambda_gates.event(f"{gate}-out")
    result: dict[str, Any] = {}
    caller = threading.Thread(target=lambda: result.update(cloud.plane.invoke(
        stack.outputs["Gated"], {"entered": f"{gate}-in", "release": f"{gate}-out"})))
    caller.start()
    try:
        assert entered.wait(10), "the handler never started"
        cloud.plane.clock.advance(2.5)
    finally:
        release.set()
    caller.join(10)

    assert result["function_error"] is None, result["payload"]
    assert 3000 < result["payload"]["remaining_before"] <= 4000
    assert 0 < result["payload"]["remaining_after"] <= 1500


def test_handler_sees_its_function_environment_variables(cloud, deploy):
    stack = deploy("functions")
    keys = ["GREETING", "SHARED_NAME", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION"]
    _, payload = _invoke(cloud, stack.outputs["Echo"], {"env_keys": keys})

    assert payload["env"] == {
        "GREETING": "hello-from-echo",
        "SHARED_NAME": "echo",
        "AWS_LAMBDA_FUNCTION_NAME": stack.outputs["Echo"],
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_REGION": cloud.target.region,
    }


def test_environment_variables_do_not_leak_between_concurrently_running_functions(cloud, deploy):
    import os

    stack = deploy("functions")
    meeting = f"env-{uuid.uuid4().hex}"
    results: dict[str, Any] = {}

    def call(output: str) -> None:
        _, results[output] = _invoke(cloud, stack.outputs[output], {
            "overlap": meeting, "parties": 2, "env_keys": ["SHARED_NAME", "GREETING"]})

    threads = [threading.Thread(target=call, args=(name,)) for name in ("Echo", "OtherEcho")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)

    # both were inside their handlers at the same time (the barrier), each saw only its own variables
    assert results["Echo"]["env"] == {"SHARED_NAME": "echo", "GREETING": "hello-from-echo"}
    assert results["OtherEcho"]["env"] == {"SHARED_NAME": "other", "GREETING": None}
    # and nothing leaked into the process the tests run in
    assert "SHARED_NAME" not in os.environ and "GREETING" not in os.environ


def test_environment_variables_do_not_leak_into_a_function_invoked_by_another(cloud, deploy):
    stack = deploy("functions")
    response, payload = _invoke(cloud, stack.outputs["Chain"], {
        "function": stack.outputs["OtherEcho"], "event": {"env_keys": ["CHAIN_SECRET", "SHARED_NAME"]}})

    assert "FunctionError" not in response, payload
    assert payload["error"] is None
    # the callee sees its own variables, not those of the function that called it
    assert payload["payload"]["env"] == {"CHAIN_SECRET": None, "SHARED_NAME": "other"}


def test_print_and_logging_output_land_in_the_function_log_group_with_start_end_report(cloud, deploy):
    stack = deploy("functions")
    marker = uuid.uuid4().hex
    _, payload = _invoke(cloud, stack.outputs["Echo"], {"say": marker})
    request_id = payload["aws_request_id"]

    messages = _log_messages(cloud, stack.outputs["Echo"])
    text = "\n".join(messages)
    assert any(m.startswith(f"START RequestId: {request_id}") for m in messages)
    assert f"printed: {marker}" in text
    assert f"logged: {marker}" in text
    assert any(m.startswith(f"END RequestId: {request_id}") for m in messages)
    report = [m for m in messages if m.startswith(f"REPORT RequestId: {request_id}")]
    assert len(report) == 1 and "Duration:" in report[0] and "Memory Size: 256 MB" in report[0]
    # in that order
    start = next(i for i, m in enumerate(messages) if m.startswith(f"START RequestId: {request_id}"))
    printed = next(i for i, m in enumerate(messages) if f"printed: {marker}" in m)
    end = next(i for i, m in enumerate(messages) if m.startswith(f"END RequestId: {request_id}"))
    assert start < printed < end


def test_output_lands_in_the_log_group_even_when_the_virtual_clock_ran_hours_ahead(cloud, deploy):
    stack = deploy("functions")
    cloud.plane.clock.advance(3 * 3600)  # CloudWatch Logs refuses events stamped over 2 h in its future
    marker = uuid.uuid4().hex
    _invoke(cloud, stack.outputs["Echo"], {"say": marker})

    assert any(f"printed: {marker}" in m for m in _log_messages(cloud, stack.outputs["Echo"]))


def test_unhandled_error_is_reported_like_lambda_with_function_error_set(cloud, deploy):
    stack = deploy("functions")
    response, payload = _invoke(cloud, stack.outputs["Echo"], {"say": "oops", "fail": True})

    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "asked to fail: oops"
    assert isinstance(payload["stackTrace"], list) and payload["stackTrace"]
    assert all(isinstance(line, str) for line in payload["stackTrace"])
    assert "echo.py" in payload["stackTrace"][-1] and "in handler" in payload["stackTrace"][-1]
    # the trace is the handler's, not the toolkit's
    assert not any("infra/compute" in line for line in payload["stackTrace"])
    assert any("ValueError: asked to fail: oops" in m for m in _log_messages(cloud, stack.outputs["Echo"]))


def test_handler_running_past_its_timeout_returns_sandbox_timedout(cloud, deploy):
    stack = deploy("functions")  # GatedFunction has Timeout: 4
    gate = uuid.uuid4().hex
    entered, release = lambda_gates.event(f"{gate}-in"), lambda_gates.event(f"{gate}-out")
    result: dict[str, Any] = {}

    def call() -> None:
        result["response"], result["payload"] = _invoke(
            cloud, stack.outputs["Gated"], {"entered": f"{gate}-in", "release": f"{gate}-out"})

    caller = threading.Thread(target=call)
    began = time.monotonic()
    caller.start()
    try:
        assert entered.wait(10), "the handler never started"
        cloud.plane.clock.advance(3)  # within the Timeout: still running
        caller.join(0.2)
        assert caller.is_alive()
        deadline = time.monotonic() + 10
        while caller.is_alive() and time.monotonic() < deadline:
            cloud.plane.clock.advance(5)  # past the Timeout, on the virtual clock
            caller.join(0.05)
        ended_after = time.monotonic() - began
    finally:
        release.set()
    caller.join(5)

    assert ended_after < 3, "the invoke ended on the real-time fallback, not on the virtual clock"
    assert result["response"]["FunctionError"] == "Unhandled"
    assert result["payload"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 4.00 seconds" in result["payload"]["errorMessage"]


def test_warm_environment_keeps_module_globals_between_invocations(cloud, deploy):
    stack = deploy("functions")
    first = cloud.plane.invoke(stack.outputs["Echo"], {})
    second = cloud.plane.invoke(stack.outputs["Echo"], {})
    _, third = _invoke(cloud, stack.outputs["Echo"], {})

    assert first["cold_start"] is True and first["payload"]["invocations"] == 1
    assert second["cold_start"] is False and second["payload"]["invocations"] == 2
    assert third["invocations"] == 3
    # another function with the same code has its own environment (its own module globals)
    assert cloud.plane.invoke(stack.outputs["OtherEcho"], {})["payload"]["invocations"] == 1


def test_handler_error_keeps_the_environment_warm(cloud, deploy):
    stack = deploy("functions")
    cloud.plane.invoke(stack.outputs["Echo"], {})
    failed = cloud.plane.invoke(stack.outputs["Echo"], {"fail": True})
    after = cloud.plane.invoke(stack.outputs["Echo"], {})

    assert failed["function_error"] == "Unhandled" and failed["cold_start"] is False
    assert after["cold_start"] is False and after["payload"]["invocations"] == 3


def test_handler_boto3_calls_reach_the_same_target(cloud, deploy):
    stack = deploy("functions")
    bucket = stack.outputs["DataBucket"]
    s3 = cloud.client("s3")
    s3.put_object(Bucket=bucket, Key="in.txt", Body=b"written by the test")

    response, payload = _invoke(cloud, stack.outputs["Copy"], {"bucket": bucket, "source": "in.txt",
                                                               "destination": "out.txt"})

    assert "FunctionError" not in response, payload
    assert bucket in payload["buckets"]
    assert s3.get_object(Bucket=bucket, Key="out.txt")["Body"].read() == b"written by the test (copied by lambda)"


def test_concurrent_direct_invokes_run_handlers_on_several_threads(cloud, deploy):
    stack = deploy("functions")
    parties = 4
    meeting = f"threads-{uuid.uuid4().hex}"
    results: list[tuple[dict[str, Any], Any]] = []
    lock = threading.Lock()

    def call() -> None:
        outcome = _invoke(cloud, stack.outputs["Echo"], {"overlap": meeting, "parties": parties})
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=call) for _ in range(parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)

    # all four handlers waited at one barrier together: they ran at the same time, on four threads
    assert len(results) == parties
    assert all("FunctionError" not in response for response, _ in results), results
    assert len({payload["aws_request_id"] for _, payload in results}) == parties
    # concurrent invocations each get an execution environment of their own, as in Lambda
    assert [payload["invocations"] for _, payload in results] == [1] * parties
    assert lambda_gates.barrier(meeting, parties).broken is False


def test_event_invocation_through_boto3_is_queued_and_failures_are_retried(cloud, deploy, tick):
    stack = deploy("functions")
    function = stack.outputs["Echo"]

    def attempts() -> int:
        return sum(1 for i in cloud.plane.executor.invocations if i["function"] == function)

    response = cloud.client("lambda").invoke(FunctionName=function, InvocationType="Event",
                                             Payload=json.dumps({"fail": True}).encode())
    assert response["StatusCode"] == 202
    assert attempts() == 0  # queued, not run inside Invoke

    tick()
    assert attempts() == 1
    tick(60)
    assert attempts() == 2
    tick(120)
    assert attempts() == 3
    assert [f["attempts"] for f in cloud.plane.failed_async] == [3]


def test_a_long_running_plane_keeps_a_bounded_record_and_exact_totals(cloud, deploy):
    stack = deploy("functions")
    executor = cloud.plane.executor
    executor.history_limit = 5

    for n in range(23):
        cloud.plane.invoke(stack.outputs["Echo"], {"say": n})

    assert 5 <= len(executor.invocations) < 10
    assert executor.invocations[-1]["function"] == stack.outputs["Echo"]
    totals = executor.totals[stack.outputs["Echo"]]
    assert (totals.invocations, totals.errors, totals.cold_starts) == (23, 0, 1)
    assert totals.gb_seconds >= 23 * 0.001 * 256 / 1024  # at least a billed millisecond each, at 256 MB
