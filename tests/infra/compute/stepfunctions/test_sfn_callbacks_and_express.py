"""Task tokens (SendTaskSuccess / Failure / Heartbeat, heartbeat timeouts) on the clock; Express
workflows through StartSyncExecution."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from infra.compute import stepfunctions
from state_machines import lambda_task


def _callback_machine(cloud, machine, **task):
    queue = cloud.client("sqs").create_queue(QueueName=f"tokens-{time.monotonic_ns()}")["QueueUrl"]
    arn = machine({"StartAt": "AwaitWorker", "States": {"AwaitWorker": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True, **task}}})
    return arn, queue


def _token(cloud, queue, eventually) -> str:
    sqs = cloud.client("sqs")
    found: list[str] = []

    def arrived() -> bool:
        for message in sqs.receive_message(QueueUrl=queue).get("Messages", []):
            found.append(json.loads(message["Body"])["token"])
        return bool(found)

    assert eventually(arrived)
    return found[0]


def test_send_task_success_resumes_the_execution_with_the_workers_output(cloud, machine, start, described,
                                                                         history, eventually):
    arn, queue = _callback_machine(cloud, machine)
    execution = start(arn)
    token = _token(cloud, queue, eventually)
    cloud.drain()
    assert described(execution)["status"] == "RUNNING"  # waiting for the worker, not in flight
    cloud.client("stepfunctions").send_task_success(taskToken=token, output=json.dumps({"worked": True}))
    cloud.drain()
    assert described(execution)["status"] == "SUCCEEDED"
    assert json.loads(described(execution)["output"]) == {"worked": True}
    assert "TaskSubmitted" in [e["type"] for e in history(execution)]


def test_send_task_failure_fails_the_task_with_the_workers_error(cloud, machine, start, described, eventually):
    arn, queue = _callback_machine(cloud, machine)
    execution = start(arn)
    token = _token(cloud, queue, eventually)
    cloud.client("stepfunctions").send_task_failure(taskToken=token, error="Rejected", cause="no")
    cloud.drain()
    assert described(execution)["status"] == "FAILED"
    assert described(execution)["error"] == "Rejected"


def test_heartbeats_keep_a_task_alive_and_a_missed_heartbeat_times_it_out_on_the_clock(
        cloud, machine, start, described, history, eventually):
    arn, queue = _callback_machine(cloud, machine, HeartbeatSeconds=60, TimeoutSeconds=3600)
    execution = start(arn)
    token = _token(cloud, queue, eventually)
    sfn = cloud.client("stepfunctions")
    for _ in range(3):  # 150 s of work, a heartbeat every 50 s
        cloud.clock.advance(50)
        sfn.send_task_heartbeat(taskToken=token)
    stepfunctions.wait_quiet()  # whatever the clock woke has run and parked again
    assert described(execution)["status"] == "RUNNING"
    cloud.clock.advance(61)
    assert eventually(lambda: described(execution)["status"] == "FAILED")
    assert described(execution)["error"] == "States.HeartbeatTimeout"


def test_an_unknown_task_token_is_refused(cloud):
    with pytest.raises(ClientError) as caught:
        cloud.client("stepfunctions").send_task_success(taskToken="not-a-token", output="{}")
    assert "InvalidToken" in str(caught.value)


def test_start_sync_execution_answers_the_express_workflows_output(cloud, functions, machine):
    arn = machine({"StartAt": "Call", "States": {
        "Call": lambda_task(functions["Echo"], Next="Shape"),
        "Shape": {"Type": "Pass", "Parameters": {"said.$": "$.result.invocations"}, "End": True}}}, type="EXPRESS")
    answer = cloud.client("stepfunctions").start_sync_execution(stateMachineArn=arn, input=json.dumps({"say": "x"}))
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"])["said"] >= 1
    assert ":express:" in answer["executionArn"]


def test_start_sync_execution_runs_retry_intervals_on_the_clock_inside_the_call(cloud, functions, machine):
    arn = machine({"StartAt": "Call", "States": {"Call": lambda_task(functions["Flaky"], End=True, Retry=[{
        "ErrorEquals": ["TransientError"], "IntervalSeconds": 20, "MaxAttempts": 3}])}}, type="EXPRESS")
    before, real = cloud.clock.now(), time.monotonic()
    answer = cloud.client("stepfunctions").start_sync_execution(
        stateMachineArn=arn, input=json.dumps({"key": "sync-retry", "failures": 2}))
    assert answer["status"] == "SUCCEEDED", answer
    assert json.loads(answer["output"])["result"]["attempts"] == 3
    assert cloud.clock.now() - before >= 60  # 20 + 40
    assert time.monotonic() - real < 5


def test_start_sync_execution_reports_a_failure_with_its_error(cloud, functions, machine):
    arn = machine({"StartAt": "Call", "States": {"Call": lambda_task(functions["Flaky"], End=True)}}, type="EXPRESS")
    answer = cloud.client("stepfunctions").start_sync_execution(
        stateMachineArn=arn, input=json.dumps({"key": "sync-fail", "failures": 1}))
    assert answer["status"] == "FAILED"
    assert answer["error"] == "TransientError"


def test_start_sync_execution_refuses_a_standard_state_machine(cloud, machine):
    arn = machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    with pytest.raises(ClientError) as caught:
        cloud.client("stepfunctions").start_sync_execution(stateMachineArn=arn, input="{}")
    assert caught.value.response["Error"]["Code"] == "StateMachineTypeNotSupported"
