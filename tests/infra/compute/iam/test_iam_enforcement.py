"""Functions' calls are checked against their execution role; deliveries between services against
the resource policies AWS checks; the switch turns both off."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest

from infra.cloud import Cloud
from infra.compute.clock import VirtualClock
from infra.compute.iam import ENV_SWITCH
from infra.compute.iam.deliveries import denied_deliveries
from infra.deploy import Stack
from infra.exceptions import DeployError

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def deploy(cloud: Cloud, template: str) -> Stack:
    return cloud.deploy("fixture", template=FIXTURES / f"{template}.yaml",
                        stack_name=f"{template.replace('_', '-')[:20]}-{uuid.uuid4().hex[:8]}")


def write(cloud: Cloud, stack: Stack, key: str) -> Any:
    assert cloud.plane is not None
    return cloud.plane.invoke(stack.outputs["Writer"], {"key": key})


def test_a_handler_whose_role_may_only_read_gets_access_denied_naming_action_and_resource(cloud):
    stack = deploy(cloud, "read_only_writer")

    result = write(cloud, stack, "a")

    assert result["function_error"] == "Unhandled"
    message = result["payload"]["errorMessage"]
    role_name = cloud.client("lambda").get_function(FunctionName=stack.outputs["Writer"])["Configuration"]["Role"]
    session = f"arn:aws:sts::123456789012:assumed-role/{role_name.rsplit('/', 1)[1]}/{stack.outputs['Writer']}"
    assert message == (f"An error occurred (AccessDeniedException) when calling the PutItem operation: User: {session} "
                       f"is not authorized to perform: dynamodb:PutItem on resource: {stack.outputs['TableArn']} "
                       f"because no identity-based policy allows the dynamodb:PutItem action")
    assert "AccessDeniedException" in result["logs"]  # the function's log says it too


def test_the_toolkits_own_calls_are_not_checked(cloud):
    stack = deploy(cloud, "read_only_writer")
    table = stack.outputs["TableArn"].rsplit("/", 1)[1]
    cloud.client("dynamodb").put_item(TableName=table, Item={"pk": {"S": "by-the-test"}})


def test_a_policy_added_to_the_role_applies_to_the_next_call(cloud):
    stack = deploy(cloud, "read_only_writer")
    assert write(cloud, stack, "before")["function_error"] == "Unhandled"
    role = cloud.client("lambda").get_function(FunctionName=stack.outputs["Writer"])["Configuration"]["Role"]
    cloud.client("iam").put_role_policy(RoleName=role.rsplit("/", 1)[1], PolicyName="write", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": stack.outputs["TableArn"]}]}))

    assert write(cloud, stack, "after")["payload"] == {"written": "after"}


def test_turned_off_by_the_cloud_option_the_write_succeeds():
    with Cloud.embedded(clock=VirtualClock(), enforce_iam=False) as cloud:
        stack = deploy(cloud, "read_only_writer")
        assert write(cloud, stack, "a")["payload"] == {"written": "a"}


def test_turned_off_by_the_environment_variable_the_write_succeeds(monkeypatch):
    monkeypatch.setenv(ENV_SWITCH, "off")
    with Cloud.embedded(clock=VirtualClock()) as cloud:
        stack = deploy(cloud, "read_only_writer")
        assert write(cloud, stack, "a")["payload"] == {"written": "a"}


def test_an_s3_notification_to_a_topic_whose_policy_does_not_allow_s3_fails_the_deploy(cloud):
    with pytest.raises(DeployError, match="Unable to validate the following destination configurations"):
        deploy(cloud, "notification_without_topic_policy")


def test_an_s3_notification_to_a_function_without_a_permission_for_s3_fails_the_deploy(cloud):
    with pytest.raises(DeployError, match="Unable to validate the following destination configurations"):
        deploy(cloud, "notification_without_lambda_permission")


def test_an_sqs_mapping_whose_role_cannot_read_the_queue_fails_the_deploy(cloud):
    with pytest.raises(DeployError, match="execution role does not have permissions to call ReceiveMessage on SQS"):
        deploy(cloud, "mapping_without_poller_permissions")


def test_sns_does_not_deliver_to_a_queue_whose_policy_does_not_allow_it_and_logs_why(cloud, caplog):
    stack = deploy(cloud, "subscription_without_queue_policy")
    with caplog.at_level(logging.WARNING, logger="toolkit.iam"):
        message_id = cloud.client("sns").publish(TopicArn=stack.outputs["TopicArn"], Message="hello")["MessageId"]

    queued = cloud.client("sqs").receive_message(QueueUrl=stack.outputs["QueueUrl"]).get("Messages", [])
    assert queued == []
    assert any(d["message_id"] == message_id for d in denied_deliveries)
    assert f"SNS did not deliver message {message_id}" in caplog.text and "sqs:SendMessage" in caplog.text


def test_with_enforcement_off_sns_delivers_without_a_queue_policy():
    with Cloud.embedded(clock=VirtualClock(), enforce_iam=False) as cloud:
        stack = deploy(cloud, "subscription_without_queue_policy")
        cloud.client("sns").publish(TopicArn=stack.outputs["TopicArn"], Message="hello")
        assert len(cloud.client("sqs").receive_message(QueueUrl=stack.outputs["QueueUrl"])["Messages"]) == 1


def test_up_checks_the_calls_of_the_functions_it_runs():
    import socket

    from infra import server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = server.start(port=port)
    try:
        stack = Cloud.remote("local", endpoint_url=endpoint.url).deploy(
            "fixture", template=FIXTURES / "read_only_writer.yaml", stack_name=f"ro-{uuid.uuid4().hex[:8]}")
        result = endpoint.runtime.plane.invoke(stack.outputs["Writer"], {"key": "a"})
    finally:
        endpoint.stop()
    assert result["function_error"] == "Unhandled"
    assert "(AccessDeniedException)" in result["payload"]["errorMessage"]
    assert f"dynamodb:PutItem on resource: {stack.outputs['TableArn']}" in result["payload"]["errorMessage"]
