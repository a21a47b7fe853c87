"""Each kind of fault does what it says, at the compute plane's seams, on a small SQS -> Lambda ->
DynamoDB app (tests/sample_app): the handler records each order of a batch in a table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.compute import faults

APP = Path(__file__).resolve().parents[3] / "sample_app"


@pytest.fixture
def app(cloud: Any) -> Any:
    return cloud.deploy(APP, stack_name="faults-sample")


def _batch(events: Any, *ids: int) -> dict[str, Any]:
    return events.sqs_event(*[events.sqs_message(json.dumps({"id": str(i), "item": "beans"})) for i in ids])


def _recorded(cloud: Any, app: Any) -> set[str]:
    items = cloud.client("dynamodb").scan(TableName=app["TableName"])["Items"]
    return {item["id"]["S"] for item in items}


def _invocations(cloud: Any, app: Any) -> int:
    totals = cloud.plane.executor.totals.get(app["FunctionName"])
    return totals.invocations if totals else 0


def test_an_injected_handler_error_fails_the_invocation_before_the_handler_does_anything(cloud, app, events):
    faults.enable(cloud.plane, 1.0, kinds=("handler_error",))

    result = cloud.plane.deliver(app["FunctionName"], _batch(events, 1, 2))

    assert result["function_error"] == "Unhandled"
    assert result["payload"]["errorType"] == "InjectedError"
    assert _recorded(cloud, app) == set()
    assert cloud.plane.faults.injected["handler_error"] == 1


def test_an_injected_timeout_keeps_the_handlers_effects_loses_its_answer_and_takes_the_timeout(cloud, app, events):
    faults.enable(cloud.plane, 1.0, kinds=("handler_timeout",))
    before = cloud.clock.now()

    result = cloud.plane.deliver(app["FunctionName"], _batch(events, 1, 2))

    assert result["function_error"] == "Unhandled"
    assert result["payload"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 10.00 seconds" in result["payload"]["errorMessage"]
    assert _recorded(cloud, app) == {"1", "2"}  # it ran: on AWS a timeout can come after the writes
    assert cloud.clock.now() - before == pytest.approx(10.0)  # the sample app's Timeout, on the virtual clock


def test_a_crash_mid_batch_applies_the_first_records_only_and_fails_the_invocation(cloud, app, events):
    faults.enable(cloud.plane, 1.0, seed=4, kinds=("batch_crash",))

    result = cloud.plane.deliver(app["FunctionName"], _batch(events, 1, 2, 3, 4, 5))

    assert result["payload"]["errorType"] == "Runtime.ExitError"
    recorded = _recorded(cloud, app)
    assert 1 <= len(recorded) <= 4
    assert recorded == {str(i) for i in range(1, len(recorded) + 1)}  # a prefix of the batch


def test_a_single_record_is_not_crashed_mid_batch(cloud, app, events):
    faults.enable(cloud.plane, 1.0, kinds=("batch_crash",))

    result = cloud.plane.deliver(app["FunctionName"], _batch(events, 1))

    assert result["function_error"] is None and _recorded(cloud, app) == {"1"}


def test_a_duplicate_delivery_runs_the_handler_again_with_the_same_batch(cloud, app, events):
    faults.enable(cloud.plane, 1.0, kinds=("duplicate_delivery",))

    result = cloud.plane.deliver(app["FunctionName"], _batch(events, 1, 2))

    assert result["function_error"] is None
    assert _invocations(cloud, app) == 2
    assert _recorded(cloud, app) == {"1", "2"}


def test_a_throttled_batch_does_not_run_and_its_messages_come_back_until_delivered(cloud, app, events):
    injector = faults.enable(cloud.plane, 0.5, seed=2, kinds=("lambda_throttle",))
    sqs = cloud.client("sqs")
    for i in range(1, 4):
        sqs.send_message(QueueUrl=app["QueueUrl"], MessageBody=json.dumps({"id": str(i), "item": "beans"}))

    cloud.drain()

    assert injector.injected["lambda_throttle"] >= 1
    dead = sqs.receive_message(QueueUrl=app["DeadLetterQueueUrl"], MaxNumberOfMessages=10).get("Messages", [])
    assert _recorded(cloud, app) | {json.loads(m["Body"])["id"] for m in dead} == {"1", "2", "3"}
    assert _invocations(cloud, app) < injector.decisions["lambda_throttle"]  # a throttle runs nothing


def test_a_throttled_asynchronous_invocation_is_retried_beyond_the_two_retries_of_a_failure(cloud, app, events):
    faults.enable(cloud.plane, 1.0, kinds=("lambda_throttle",))
    cloud.plane.invoke_async(app["FunctionName"], _batch(events, 1))
    cloud.plane.settle(max_seconds=60)  # throttled again and again: 1 s, 2 s, 4 s ... apart
    assert _invocations(cloud, app) == 0 and cloud.plane.faults.injected["lambda_throttle"] > 3

    faults.disable(cloud.plane)
    cloud.drain()

    assert _recorded(cloud, app) == {"1"}
    assert cloud.plane.failed_async == []


def test_dynamodb_throttling_answers_the_handlers_call_and_boto3_retries_it(cloud, app, events):
    injector = faults.enable(cloud.plane, 0.5, seed=1, kinds=("dynamodb_throttle",))

    result = cloud.plane.deliver(app["FunctionName"], _batch(events, 1, 2, 3, 4))

    assert result["function_error"] is None  # boto3 retried each throttled PutItem
    assert _recorded(cloud, app) == {"1", "2", "3", "4"}
    assert injector.injected["dynamodb_throttle"] >= 1


def test_a_handler_sees_provisioned_throughput_exceeded_when_every_retry_is_throttled(cloud, app, events):
    faults.enable(cloud.plane, 1.0, kinds=("dynamodb_throttle",))

    result = cloud.plane.deliver(app["FunctionName"], _batch(events, 1))

    assert "ProvisionedThroughputExceededException" in result["payload"]["errorMessage"]
    assert cloud.client("dynamodb").scan(TableName=app["TableName"])["Count"] == 0  # the workload's own call: no fault


def test_a_transient_5xx_answers_the_handlers_call_in_the_services_shape(cloud, app, events):
    faults.enable(cloud.plane, 1.0, kinds=("service_5xx",))

    result = cloud.plane.deliver(app["FunctionName"], _batch(events, 1))

    assert "InternalServerError" in result["payload"]["errorMessage"]
    assert _recorded(cloud, app) == set()


def test_closing_the_plane_turns_the_faults_off(cloud, app):
    faults.enable(cloud.plane, 1.0)
    cloud.plane.close()

    assert faults.active() is None
