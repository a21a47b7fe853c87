"""Wait states, Retry intervals and task timeouts run off the plane's clock."""

from __future__ import annotations

import json
import time

from infra.compute import stepfunctions
from state_machines import lambda_task


def _seconds_between(events, first_type, then_type):
    first = next(e["timestamp"] for e in events if e["type"] == first_type)
    then = next(e["timestamp"] for e in events if e["type"] == then_type)
    return (then - first).total_seconds()


def test_an_hour_long_wait_state_finishes_on_drain_in_well_under_a_second_of_real_time(
        cloud, machine, start, described, history):
    arn = machine({"StartAt": "Hold", "States": {
        "Hold": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
        "Done": {"Type": "Pass", "Result": {"done": True}, "End": True}}})
    execution = start(arn)
    before, real = cloud.clock.now(), time.monotonic()
    cloud.drain(max_seconds=7200)
    assert described(execution)["status"] == "SUCCEEDED"
    assert json.loads(described(execution)["output"]) == {"done": True}
    assert time.monotonic() - real < 1.0
    assert 3600 <= cloud.clock.now() - before < 3610
    assert _seconds_between(history(execution), "WaitStateEntered", "WaitStateExited") == 3600


def test_a_waiting_execution_counts_as_in_flight_until_its_due_time(cloud, machine, start, described):
    execution = start(machine({"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 600, "End": True}}}))
    cloud.drain(max_seconds=60)  # not long enough
    assert described(execution)["status"] == "RUNNING"
    assert cloud.plane.in_flight() == 1
    cloud.drain(max_seconds=3600)
    assert described(execution)["status"] == "SUCCEEDED"
    assert cloud.plane.in_flight() == 0


def test_a_wait_state_on_the_virtual_clock_does_not_move_until_the_clock_does(cloud, machine, start, described,
                                                                              eventually):
    execution = start(machine({"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 30, "End": True}}}))
    stepfunctions.wait_quiet()  # the execution has parked at its Wait; virtual time has not moved
    assert described(execution)["status"] == "RUNNING"
    cloud.clock.advance(30)
    assert eventually(lambda: described(execution)["status"] == "SUCCEEDED")


def test_retry_intervals_follow_interval_backoff_rate_and_max_delay_on_the_clock(
        cloud, functions, machine, start, described, history):
    arn = machine({"StartAt": "Call", "States": {"Call": lambda_task(functions["Flaky"], End=True, Retry=[{
        "ErrorEquals": ["TransientError"], "IntervalSeconds": 10, "BackoffRate": 3.0, "MaxDelaySeconds": 60,
        "MaxAttempts": 4}])}})
    execution = start(arn, {"key": "retry-math", "failures": 4})
    cloud.drain()
    assert described(execution)["status"] == "SUCCEEDED"
    events = history(execution)
    failed = [e["timestamp"] for e in events if e["type"] == "TaskFailed"]
    scheduled = [e["timestamp"] for e in events if e["type"] == "TaskScheduled"]
    assert len(failed) == 4 and len(scheduled) == 5
    gaps = [(scheduled[i + 1] - failed[i]).total_seconds() for i in range(4)]
    assert gaps == [10, 30, 60, 60]  # 10, 10*3, 90 capped at 60, 270 capped at 60


def test_full_jitter_waits_at_most_the_backoff_interval(cloud, functions, machine, start, described, history):
    arn = machine({"StartAt": "Call", "States": {"Call": lambda_task(functions["Flaky"], End=True, Retry=[{
        "ErrorEquals": ["States.ALL"], "IntervalSeconds": 100, "BackoffRate": 1.0, "MaxAttempts": 3,
        "JitterStrategy": "FULL"}])}})
    execution = start(arn, {"key": "jitter", "failures": 3})
    cloud.drain()
    assert described(execution)["status"] == "SUCCEEDED"
    events = history(execution)
    failed = [e["timestamp"] for e in events if e["type"] == "TaskFailed"]
    scheduled = [e["timestamp"] for e in events if e["type"] == "TaskScheduled"]
    gaps = [(scheduled[i + 1] - failed[i]).total_seconds() for i in range(3)]
    assert all(0 <= gap <= 100 for gap in gaps)
    assert len(set(gaps)) > 1  # random, not the fixed interval


def test_retries_exhausted_fail_the_execution_with_the_task_error(cloud, functions, machine, start, described):
    arn = machine({"StartAt": "Call", "States": {"Call": lambda_task(functions["Flaky"], End=True, Retry=[{
        "ErrorEquals": ["TransientError"], "IntervalSeconds": 5, "MaxAttempts": 2}])}})
    execution = start(arn, {"key": "exhausted", "failures": 10})
    cloud.drain()
    assert described(execution)["status"] == "FAILED"
    assert described(execution)["error"] == "TransientError"


def test_task_timeout_seconds_is_reached_on_the_clock(cloud, machine, start, described, history, eventually):
    arn = machine({"StartAt": "Callback", "States": {"Callback": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "TimeoutSeconds": 300,
        "Parameters": {"QueueUrl": _queue(cloud), "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}}})
    execution = start(arn)
    cloud.drain()  # a callback wait is not in flight: drain does not time it out
    assert described(execution)["status"] == "RUNNING"
    cloud.clock.advance(299)
    stepfunctions.wait_quiet()  # whatever the clock woke has run and parked again
    assert described(execution)["status"] == "RUNNING"
    cloud.clock.advance(2)
    assert eventually(lambda: described(execution)["status"] == "FAILED")
    assert described(execution)["error"] == "States.Timeout"
    assert any(e["type"] == "TaskTimedOut" for e in history(execution))


def test_a_lambda_task_runs_the_real_handler_in_process(cloud, functions, machine, start, described):
    execution = start(machine({"StartAt": "Call", "States": {"Call": lambda_task(functions["Echo"], End=True)}}),
                      {"say": "hi"})
    cloud.drain()
    output = json.loads(described(execution)["output"])["result"]
    assert output["function_name"].endswith("EchoFunction") or "Echo" in output["function_name"]
    assert output["invocations"] >= 1


def test_what_the_interpreter_cannot_run_fails_the_execution_naming_the_state(cloud, machine, start, described):
    execution = start(machine({"StartAt": "AskTheModel", "States": {"AskTheModel": {
        "Type": "Task", "Resource": "arn:aws:states:::bedrock:invokeModel",
        "Parameters": {"ModelId": "m", "Body": {}}, "End": True}}}))
    cloud.drain()
    failed = described(execution)
    assert failed["status"] == "FAILED"
    assert "AskTheModel" in failed["cause"]


def _queue(cloud) -> str:
    return cloud.client("sqs").create_queue(QueueName=f"tokens-{time.monotonic_ns()}")["QueueUrl"]


def test_waits_inside_parallel_branches_and_map_iterations_pass_on_the_clock(cloud, machine, start, described):
    arn = machine({"StartAt": "Both", "States": {
        "Both": {"Type": "Parallel", "Next": "Each", "ResultPath": None, "Branches": [
            {"StartAt": "Short", "States": {"Short": {"Type": "Wait", "Seconds": 100, "End": True}}},
            {"StartAt": "Long", "States": {"Long": {"Type": "Wait", "Seconds": 200, "End": True}}}]},
        "Each": {"Type": "Map", "ItemsPath": "$.delays", "End": True, "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Hold",
            "States": {"Hold": {"Type": "Wait", "SecondsPath": "$", "End": True}}}}}})
    before, real = cloud.clock.now(), time.monotonic()
    execution = start(arn, {"delays": [30, 60, 90]})
    cloud.drain()
    assert described(execution)["status"] == "SUCCEEDED"
    assert 290 <= cloud.clock.now() - before < 300  # 200 (the longer branch), then 90 (the longest item)
    assert time.monotonic() - real < 5
