"""Each service's calls, made with a role session that may do nothing, are denied naming the IAM
action and resource ARN AWS would check, in the service's own error shape."""

from __future__ import annotations

import json
from typing import Any, Callable

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from infra.cloud import Cloud
from infra.compute.iam.sessions import role_session_environment

ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture
def denied(cloud: Cloud) -> Callable[..., Any]:
    """``denied(service)``: a client signed by a session of a role with no policies."""
    role = cloud.client("iam").create_role(RoleName="nothing-allowed", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    env = role_session_environment(role, "probe")

    def client(service: str, **kwargs: Any) -> Any:
        return boto3.session.Session().client(
            service, region_name=REGION, aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], aws_session_token=env["AWS_SESSION_TOKEN"],
            config=Config(retries={"max_attempts": 1}, account_id_endpoint_mode="disabled"), **kwargs)

    return client


def denial(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def assert_denied(call: Callable[[], Any], code: str, action: str, resource: str) -> None:
    found_code, message = denial(call)
    assert found_code == code, message
    assert message.startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/nothing-allowed/probe is not authorized "
                              f"to perform: {action} on resource: {resource} because no identity-based policy "
                              f"allows the {action} action"), message


def test_dynamodb_tables_indexes_batches_and_transactions(denied):
    ddb = denied("dynamodb")
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Orders"
    assert_denied(lambda: ddb.put_item(TableName="Orders", Item={"id": {"S": "1"}}),
                  "AccessDeniedException", "dynamodb:PutItem", table)
    assert_denied(lambda: ddb.query(TableName="Orders", IndexName="byStatus", KeyConditionExpression="s = :s",
                                    ExpressionAttributeValues={":s": {"S": "x"}}),
                  "AccessDeniedException", "dynamodb:Query", f"{table}/index/byStatus")
    assert_denied(lambda: ddb.batch_write_item(RequestItems={"Orders": [{"PutRequest": {"Item": {"id": {"S": "1"}}}}]}),
                  "AccessDeniedException", "dynamodb:BatchWriteItem", table)
    assert_denied(lambda: ddb.transact_write_items(TransactItems=[
        {"ConditionCheck": {"TableName": "Orders", "Key": {"id": {"S": "1"}}, "ConditionExpression": "attribute_exists(id)"}}]),
        "AccessDeniedException", "dynamodb:ConditionCheckItem", table)


def test_dynamodb_streams_are_checked_on_the_stream_arn(denied):
    stream = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Orders/stream/2026-01-01T00:00:00.000"
    assert_denied(lambda: denied("dynamodbstreams").describe_stream(StreamArn=stream),
                  "AccessDeniedException", "dynamodb:DescribeStream", stream)


def test_sqs_queue_arn_comes_from_the_queue_url_and_the_error_carries_the_query_code(cloud, denied):
    url = cloud.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs"
    assert_denied(lambda: denied("sqs").send_message(QueueUrl=url, MessageBody="x"), "AccessDenied", "sqs:SendMessage", arn)
    assert_denied(lambda: denied("sqs").delete_message_batch(QueueUrl=url, Entries=[{"Id": "1", "ReceiptHandle": "r"}]),
                  "AccessDenied", "sqs:DeleteMessage", arn)


def test_sns_topic(cloud, denied):
    topic = cloud.client("sns").create_topic(Name="uploads")["TopicArn"]
    assert_denied(lambda: denied("sns").publish(TopicArn=topic, Message="m"), "AccessDenied", "sns:Publish", topic)


def test_s3_objects_buckets_and_the_reads_aws_counts_as_get_object(cloud, denied):
    cloud.client("s3").create_bucket(Bucket="photos")
    cloud.client("s3").put_object(Bucket="photos", Key="in/a b.png", Body=b"x")
    s3 = denied("s3")
    assert_denied(lambda: s3.put_object(Bucket="photos", Key="out/c.png", Body=b"x"),
                  "AccessDenied", "s3:PutObject", "arn:aws:s3:::photos/out/c.png")
    assert_denied(lambda: s3.get_object(Bucket="photos", Key="in/a b.png"),
                  "AccessDenied", "s3:GetObject", "arn:aws:s3:::photos/in/a b.png")
    assert_denied(lambda: s3.list_objects_v2(Bucket="photos"), "AccessDenied", "s3:ListBucket", "arn:aws:s3:::photos")
    with pytest.raises(ClientError) as head:  # a HEAD answer has no body: only the status says it
        s3.head_object(Bucket="photos", Key="in/a b.png")
    assert head.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_lambda_invoke_is_invoke_function_on_the_function_arn(denied):
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:resize"
    assert_denied(lambda: denied("lambda").invoke(FunctionName="resize"), "AccessDeniedException",
                  "lambda:InvokeFunction", arn)
    assert_denied(lambda: denied("lambda").get_function(FunctionName=arn), "AccessDeniedException",
                  "lambda:GetFunction", arn)


def test_kinesis_stream(denied):
    assert_denied(lambda: denied("kinesis").put_record(StreamName="clicks", Data=b"x", PartitionKey="p"),
                  "AccessDeniedException", "kinesis:PutRecord", f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clicks")


def test_step_functions_state_machine(denied):
    machine = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:orders"
    assert_denied(lambda: denied("stepfunctions").start_execution(stateMachineArn=machine, name="e1"),
                  "AccessDeniedException", "states:StartExecution", machine)


def test_scheduler_schedule(denied):
    assert_denied(lambda: denied("scheduler").delete_schedule(Name="wake-up", GroupName="games"),
                  "AccessDeniedException", "scheduler:DeleteSchedule",
                  f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/games/wake-up")


def test_eventbridge_bus_and_rule(denied):
    events = denied("events")
    assert_denied(lambda: events.put_events(Entries=[{"Source": "app", "DetailType": "t", "Detail": "{}",
                                                      "EventBusName": "orders"}]),
                  "AccessDeniedException", "events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/orders")
    assert_denied(lambda: events.disable_rule(Name="nightly"), "AccessDeniedException", "events:DisableRule",
                  f"arn:aws:events:{REGION}:{ACCOUNT}:rule/nightly")


def test_logs_group_and_stream(denied):
    assert_denied(lambda: denied("logs").create_log_stream(logGroupName="/app", logStreamName="s1"),
                  "AccessDeniedException", "logs:CreateLogStream",
                  f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app:log-stream:s1")


def test_api_gateway_management_api_is_execute_api_manage_connections(denied):
    management = denied("apigatewaymanagementapi", endpoint_url="https://abc123.execute-api.us-east-1.amazonaws.com/prod")
    assert_denied(lambda: management.post_to_connection(ConnectionId="conn-1", Data=b"hi"),
                  "AccessDeniedException", "execute-api:ManageConnections",
                  f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/prod/POST/@connections/conn-1")


def test_get_caller_identity_needs_no_permission(denied):
    assert denied("sts").get_caller_identity()["Account"] == ACCOUNT


def test_an_explicit_deny_is_named_as_such_even_beside_an_allow(cloud, denied):
    iam = cloud.client("iam")
    for effect in ("Allow", "Deny"):
        iam.put_role_policy(RoleName="nothing-allowed", PolicyName=effect, PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": "sns:Publish", "Resource": "*"}]}))
    topic = cloud.client("sns").create_topic(Name="alerts")["TopicArn"]

    code, message = denial(lambda: denied("sns").publish(TopicArn=topic, Message="m"))

    assert code == "AccessDenied"
    assert message.endswith(f"to perform: sns:Publish on resource: {topic} with an explicit deny in an identity-based policy")
