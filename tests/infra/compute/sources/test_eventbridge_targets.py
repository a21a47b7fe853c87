"""EventBridge rules deliver matched events to Lambda (asynchronously, with Lambda's retries),
SQS (FIFO with the target's MessageGroupId), SNS and Step Functions, each event once; Input,
InputPath and InputTransformer shape what each target gets; a disabled rule delivers nothing; a
delivery that keeps failing goes to the target's dead-letter queue."""

from __future__ import annotations

import json
from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError
from eventbridge_queues import messages, queue_for_events

from infra.compute.sources.eventbridge.targets import Deliverer, Delivery, not_retried
from infra.exceptions import DeployError


@pytest.fixture
def rules(deploy):
    def _rules(**parameters):
        return deploy("eventbridge_rules", **parameters)
    return _rules


def put_order(cloud, detail: dict, source: str = "shop", detail_type: str = "order") -> dict:
    return cloud.client("events").put_events(Entries=[{"Source": source, "DetailType": detail_type,
                                                        "Detail": json.dumps(detail)}])


def test_a_matching_event_reaches_every_target_once_shaped_as_each_target_asks(cloud, rules, recorded):
    stack = rules()
    answer = put_order(cloud, {"store": "rome", "cents": 250, "lines": [1, 2]})
    event_id = answer["Entries"][0]["EventId"]
    cloud.drain()

    lambda_events = recorded(stack.outputs["RecordBucket"], "events/")
    assert len(lambda_events) == 1
    event = lambda_events[0]
    assert event["id"] == event_id and event["source"] == "shop" and event["detail-type"] == "order"
    assert event["detail"] == {"store": "rome", "cents": 250, "lines": [1, 2]}
    assert event["account"] == "123456789012" and event["region"] == "us-east-1" and event["time"].endswith("Z")

    [queued] = messages(cloud, stack.outputs["QueueUrl"])
    assert json.loads(queued["Body"]) == {"store": "rome", "cents": 250, "line": "rome sold 250", "missing": None}
    [fifo] = messages(cloud, stack.outputs["FifoQueueUrl"])
    assert json.loads(fifo["Body"]) == {"store": "rome", "cents": 250, "lines": [1, 2]}
    assert fifo["Attributes"]["MessageGroupId"] == "orders"
    assert fifo["Attributes"]["MessageDeduplicationId"] == event_id
    [published] = messages(cloud, stack.outputs["TopicQueueUrl"])
    assert json.loads(published["Body"]) == {"constant": True}
    sfn = cloud.client("stepfunctions")
    [execution] = sfn.list_executions(stateMachineArn=stack.outputs["MachineArn"])["executions"]
    assert json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"]) == \
        {"store": "rome", "cents": 250, "lines": [1, 2]}


def test_an_event_the_pattern_does_not_match_is_delivered_nowhere(cloud, rules, recorded):
    stack = rules()
    put_order(cloud, {"store": "rome"}, detail_type="refund")
    put_order(cloud, {"store": "rome"}, source="warehouse")
    cloud.drain()
    assert recorded(stack.outputs["RecordBucket"], "events/") == []
    assert messages(cloud, stack.outputs["QueueUrl"]) == []


def test_a_disabled_rule_delivers_nothing_and_delivers_again_once_enabled(cloud, rules, recorded):
    stack = rules(RuleState="DISABLED")
    put_order(cloud, {"store": "rome", "cents": 1})
    cloud.drain()
    assert messages(cloud, stack.outputs["QueueUrl"]) == []

    cloud.client("events").enable_rule(Name=stack.outputs["RuleName"])
    put_order(cloud, {"store": "oslo", "cents": 2})
    cloud.drain()
    assert [json.loads(m["Body"])["store"] for m in messages(cloud, stack.outputs["QueueUrl"])] == ["oslo"]


def test_a_failing_lambda_target_is_retried_by_lambda_after_60_and_120_seconds(cloud, rules, recorded, tick):
    stack = rules()
    put_order(cloud, {"store": "rome", "fail": True})
    tick()
    assert len(recorded(stack.outputs["RecordBucket"], "events/")) == 1
    tick(59)
    assert len(recorded(stack.outputs["RecordBucket"], "events/")) == 1
    tick(1)
    assert len(recorded(stack.outputs["RecordBucket"], "events/")) == 2
    tick(120)
    assert len(recorded(stack.outputs["RecordBucket"], "events/")) == 3
    [failed] = cloud.plane.failed_async
    assert failed["attempts"] == 3 and failed["event"]["detail"]["fail"] is True


def test_a_delivery_to_a_queue_that_is_gone_goes_to_the_dead_letter_queue_at_once_with_eventbridges_attributes(
        cloud, rules, tick):
    stack = rules()
    events, sqs = cloud.client("events"), cloud.client("sqs")
    gone, gone_arn = queue_for_events(cloud, "soon-gone")
    rule_arn = events.put_rule(Name="to-gone", EventPattern=json.dumps({"source": ["shop"]}))["RuleArn"]
    events.put_targets(Rule="to-gone", Targets=[{
        "Id": "gone", "Arn": gone_arn, "RetryPolicy": {"MaximumRetryAttempts": 2},
        "DeadLetterConfig": {"Arn": stack.outputs["DeadLetterQueueArn"]}}])
    sqs.delete_queue(QueueUrl=gone)

    put_order(cloud, {"store": "rome"})
    tick()  # not retried: the target does not exist

    [dead] = messages(cloud, stack.outputs["DeadLetterQueueUrl"])
    assert json.loads(dead["Body"])["detail"] == {"store": "rome"}
    attributes = {k: v["StringValue"] for k, v in dead["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == rule_arn and attributes["TARGET_ARN"] == gone_arn
    assert attributes["ERROR_CODE"]


def test_a_delivery_given_up_on_without_a_dead_letter_queue_is_kept_and_reported(cloud, tick):
    events, sqs = cloud.client("events"), cloud.client("sqs")
    url, arn = queue_for_events(cloud, "vanishing")
    events.put_rule(Name="lossless", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="lossless", Targets=[{"Id": "q", "Arn": arn, "RetryPolicy": {"MaximumRetryAttempts": 0}}])
    sqs.delete_queue(QueueUrl=url)

    put_order(cloud, {"store": "rome"})
    cloud.drain()
    [failed] = cloud.plane.sources.rules.failed
    assert failed["target"] == arn and failed["event"]["detail"] == {"store": "rome"} and failed["attempts"] == 1


def test_a_delivery_the_target_refuses_is_retried_with_backoff_within_the_retry_policy():
    deliverer = Deliverer(SimpleNamespace(), lambda arn, event: None)
    delivery = Delivery(0.0, 0, "rule", {"Arn": "arn:aws:sqs:us-east-1:1:q",
                                         "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 60}},
                        {}, "{}", accepted=1000.0)
    waits = []
    for attempt in range(1, 6):
        delivery.attempt = attempt
        due = deliverer.retry_at(delivery, 1000.0)
        waits.append(None if due is None else due - 1000.0)
    assert waits == [1.0, 2.0, 4.0, None, None]  # three retries, then given up
    delivery.attempt = 1
    assert deliverer.retry_at(delivery, 1059.5) is None  # past MaximumEventAgeInSeconds
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "SendMessage")
    gone = ClientError({"Error": {"Code": "AWS.SimpleQueueService.NonExistentQueue", "Message": "no"}}, "SendMessage")
    assert not not_retried(throttled) and not_retried(gone)


def test_a_transformer_path_that_is_not_a_json_path_is_refused_by_put_targets(cloud, rules):
    stack = rules()
    with pytest.raises(ClientError) as refused:
        cloud.client("events").put_targets(Rule=stack.outputs["RuleName"], Targets=[{
            "Id": "bad", "Arn": stack.outputs["QueueArn"],
            "InputTransformer": {"InputPathsMap": {"store": "detail.store"}, "InputTemplate": "<store>"}}])
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "detail.store" in refused.value.response["Error"]["Message"]


def test_a_rule_whose_target_the_plane_cannot_reach_fails_the_deploy_naming_it(cloud, tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text(json.dumps({"Resources": {"ToKinesis": {"Type": "AWS::Events::Rule", "Properties": {
        "EventPattern": {"source": ["shop"]},
        "Targets": [{"Id": "stream", "Arn": "arn:aws:kinesis:us-east-1:123456789012:stream/s"}]}}}}))
    with pytest.raises(DeployError, match="ToKinesis.*kinesis.*targets run here: lambda, sqs, sns, states"):
        cloud.deploy("bad", template=template, stack_name="bad-target")


def test_a_rule_in_up_delivers_put_events_on_the_wall_clock(eventually):
    from infra.ports import free_port

    from infra import server

    endpoint = server.start(port=free_port())
    try:
        kwargs = {"endpoint_url": endpoint.url, "region_name": "us-east-1",
                  "aws_access_key_id": "any", "aws_secret_access_key": "any"}
        sqs, events = boto3.client("sqs", **kwargs), boto3.client("events", **kwargs)
        url, arn = queue_for_events(SimpleNamespace(client=lambda service: boto3.client(service, **kwargs)),
                                    "up-rule-target")
        events.put_rule(Name="up-orders", EventPattern=json.dumps({"source": ["shop"]}))
        events.put_targets(Rule="up-orders", Targets=[{"Id": "q", "Arn": arn, "InputPath": "$.detail"}])
        events.put_events(Entries=[{"Source": "shop", "DetailType": "order", "Detail": json.dumps({"n": 1})}])

        got: list = []

        def delivered() -> bool:
            got.extend(m["Body"] for m in sqs.receive_message(QueueUrl=url).get("Messages", []))
            return bool(got)

        assert eventually(delivered, seconds=10) and json.loads(got[0]) == {"n": 1}
    finally:
        endpoint.stop()


def test_a_queue_whose_policy_does_not_allow_eventbridge_gets_nothing_as_on_aws(cloud):
    events, sqs = cloud.client("events"), cloud.client("sqs")
    url = sqs.create_queue(QueueName="no-policy")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="to-closed-queue", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="to-closed-queue", Targets=[{"Id": "q", "Arn": arn}])

    put_order(cloud, {"store": "rome"})
    cloud.drain()

    assert messages(cloud, url) == []
    [failed] = cloud.plane.sources.rules.failed
    assert failed["attempts"] == 1 and "does not allow events.amazonaws.com to perform sqs:SendMessage" in failed["error"]
