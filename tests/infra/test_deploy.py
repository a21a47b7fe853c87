"""The embedded deployer: loud failures with rollback, resources really realized, clean destroy,
(pattern templates are linted by tests/test_pattern_contract.py)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from infra.deploy import load_stack
from infra.exceptions import DeployError, ToolkitError

TEMPLATES = Path(__file__).resolve().parent / "fixtures" / "templates"


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _left_behind(cloud: Any, stack_name: str) -> dict[str, list[str]]:
    """Everything on the target whose name says it belongs to the stack."""
    prefix = f"{stack_name}-"
    found: dict[str, list[str]] = {}
    found["buckets"] = [b["Name"] for b in cloud.client("s3").list_buckets()["Buckets"]
                        if b["Name"].startswith(prefix.lower())]
    found["queues"] = cloud.client("sqs").list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])
    found["topics"] = [t["TopicArn"] for t in cloud.client("sns").list_topics()["Topics"]
                       if t["TopicArn"].rsplit(":", 1)[-1].startswith(prefix)]
    found["subscriptions"] = [s["SubscriptionArn"] for s in cloud.client("sns").list_subscriptions()["Subscriptions"]
                              if s["TopicArn"].rsplit(":", 1)[-1].startswith(prefix)]
    functions = [f for f in cloud.client("lambda").list_functions()["Functions"]
                 if f["FunctionName"].startswith(prefix)]
    found["functions"] = [f["FunctionName"] for f in functions]
    found["mappings"] = [m["UUID"] for m in cloud.client("lambda").list_event_source_mappings()["EventSourceMappings"]
                         if m["FunctionArn"].rsplit(":", 1)[-1].startswith(prefix)]
    found["roles"] = [r["RoleName"] for r in cloud.client("iam").list_roles()["Roles"]
                      if r["RoleName"].startswith(prefix)]
    found["log_groups"] = [g["logGroupName"] for g in
                           cloud.client("logs").describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]]
    found["tables"] = [t for t in cloud.client("dynamodb").list_tables()["TableNames"] if t.startswith(prefix)]
    return {kind: names for kind, names in found.items() if names}


# -- loud failures, rolled back -----------------------------------------------------------------
@pytest.mark.parametrize(("template", "logical_id", "resource_type"), [
    ("unsupported_scheduler", "NightlySchedule", "AWS::Scheduler::Schedule"),
    ("unsupported_apigwv2", "CustomDomain", "AWS::ApiGatewayV2::DomainName"),
])
def test_unsupported_resource_type_fails_the_deploy_naming_its_logical_id(cloud, template, logical_id,
                                                                         resource_type):
    with pytest.raises(DeployError) as failure:
        cloud.deploy("fixture", template=TEMPLATES / f"{template}.yaml", stack_name=_unique("bad-type"))

    assert failure.value.logical_id == logical_id
    assert str(failure.value).startswith(f"{logical_id}: ")
    assert resource_type in str(failure.value)


def test_unsupported_property_fails_the_deploy_naming_its_logical_id(cloud):
    with pytest.raises(DeployError) as failure:
        cloud.deploy("fixture", template=TEMPLATES / "unsupported_property.yaml", stack_name=_unique("bad-prop"))

    assert failure.value.logical_id == "EncryptedQueue"
    assert "KmsMasterKeyId" in str(failure.value)


def test_unsupported_nested_property_fails_the_deploy_naming_the_resource(cloud):
    with pytest.raises(DeployError) as failure:
        cloud.deploy("fixture", template=TEMPLATES / "unsupported_notification.yaml", stack_name=_unique("bad-nested"))

    assert failure.value.logical_id == "EventsBucket"
    assert "EventBridgeConfiguration" in str(failure.value)


@pytest.mark.parametrize("template", [
    "unsupported_scheduler", "unsupported_apigwv2", "unsupported_property", "unsupported_notification",
    "partial_role",    # the role is created, then attaching its policy fails
    "partial_bucket",  # the bucket is created, then its notification configuration is refused
])
def test_failed_deploy_rolls_back_everything_it_created(cloud, template):
    stack_name = _unique("rollback")
    progress: list[str] = []

    with pytest.raises(DeployError):
        cloud.deploy("fixture", template=TEMPLATES / f"{template}.yaml", stack_name=stack_name,
                     progress=progress.append)

    # the queue and the bucket before the bad resource were created, then deleted again
    assert "creating FirstQueue (AWS::SQS::Queue)" in progress
    assert "creating FirstBucket (AWS::S3::Bucket)" in progress
    assert _left_behind(cloud, stack_name) == {}
    with pytest.raises(ToolkitError):
        load_stack(cloud.target, stack_name)  # no stack record either


# -- realized, not skipped ----------------------------------------------------------------------
def test_s3_notification_configuration_is_realized(cloud, deploy):
    stack = deploy("full_stack")

    config = cloud.client("s3").get_bucket_notification_configuration(Bucket=stack.outputs["UploadsBucket"])

    (queue_config,) = config["QueueConfigurations"]
    assert queue_config["QueueArn"] == stack.outputs["IncomingQueueArn"]
    assert queue_config["Events"] == ["s3:ObjectCreated:*"]
    assert queue_config["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "incoming/"}]


def test_s3_notification_to_a_function_is_realized(cloud, deploy):
    stack = deploy("s3_events")

    config = cloud.client("s3").get_bucket_notification_configuration(Bucket=stack.outputs["ToFunctionBucket"])

    (function_config,) = config["LambdaFunctionConfigurations"]
    assert function_config["LambdaFunctionArn"].rsplit(":", 1)[-1].startswith(f"{stack.name}-Recorder")
    assert function_config["Events"] == ["s3:ObjectCreated:*"]


def test_sns_subscription_is_realized(cloud, deploy):
    stack = deploy("full_stack")
    sns = cloud.client("sns")

    (subscription,) = sns.list_subscriptions_by_topic(TopicArn=stack.outputs["NoticesTopicArn"])["Subscriptions"]

    assert subscription["Protocol"] == "sqs"
    assert subscription["Endpoint"] == stack.outputs["NoticeQueueArn"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
    assert attributes["RawMessageDelivery"] == "true"


def test_sqs_queue_policy_is_realized(cloud, deploy):
    stack = deploy("full_stack")
    sqs = cloud.client("sqs")

    for url in (stack.outputs["IncomingQueueUrl"], stack.outputs["NoticeQueueUrl"]):
        policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
        (statement,) = policy["Statement"]
        assert statement["Sid"] == "AllowS3AndSns"
        assert statement["Action"] == "sqs:SendMessage"
        assert statement["Principal"] == {"Service": ["s3.amazonaws.com", "sns.amazonaws.com"]}
        assert statement["Resource"] == [stack.outputs["IncomingQueueArn"], stack.outputs["NoticeQueueArn"]]


def test_sam_sqs_event_becomes_an_event_source_mapping_the_plane_polls(cloud, deploy):
    stack = deploy("full_stack")

    (mapping,) = cloud.client("lambda").list_event_source_mappings(
        FunctionName=stack.outputs["ProcessorName"])["EventSourceMappings"]

    assert mapping["EventSourceArn"] == stack.outputs["IncomingQueueArn"]
    assert mapping["BatchSize"] == 5
    assert mapping["UUID"] in cloud.plane.sources.mappings


def test_parameters_reach_resource_properties_with_their_types(cloud, deploy):
    stack = deploy("sqs_batch", BatchSize=7, BatchingWindow=3, VisibilityTimeout=45, MaxReceiveCount=4,
                   ReportFailures="true")

    (mapping,) = cloud.client("lambda").list_event_source_mappings(
        FunctionName=stack.outputs["Worker"])["EventSourceMappings"]
    attributes = cloud.client("sqs").get_queue_attributes(QueueUrl=stack.outputs["QueueUrl"],
                                                          AttributeNames=["All"])["Attributes"]

    assert mapping["BatchSize"] == 7
    assert mapping["MaximumBatchingWindowInSeconds"] == 3
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert attributes["VisibilityTimeout"] == "45"
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 4


# -- destroy ------------------------------------------------------------------------------------
def test_destroy_removes_everything_the_deploy_created(cloud, deploy):
    stack = deploy("full_stack")
    created = _left_behind(cloud, stack.name)
    assert set(created) == {"buckets", "queues", "topics", "subscriptions", "functions", "mappings", "roles",
                            "log_groups", "tables"}
    assert len(created["queues"]) == 3
    cloud.client("s3").put_object(Bucket=stack.outputs["UploadsBucket"], Key="incoming/x.txt", Body=b"x")

    cloud.destroy(stack.name)

    assert _left_behind(cloud, stack.name) == {}
    assert cloud.plane.sources.mappings == {}
    with pytest.raises(ToolkitError):
        load_stack(cloud.target, stack.name)
