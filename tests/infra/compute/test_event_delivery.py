"""S3 and SNS deliveries, with the event shapes AWS sends.

S3 ObjectCreated goes to a queue, to a topic (and on to a queue) and straight to a function
(fixtures/templates/s3_events.yaml); one topic goes to an enveloped queue, a raw queue, a
filtered queue and a function (fixtures/templates/sns_events.yaml). Deliveries to functions are
asynchronous invocations: nothing runs until the compute plane is driven (``tick``), and a
failed one is retried after 60 s and 120 s on the virtual clock, then recorded as failed.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

import pytest

UNICODE_KEY = "a bé.png"
UNICODE_KEY_ENCODED = "a+b%C3%A9.png"


def _receive_all(cloud: Any, queue_url: str) -> list[dict[str, Any]]:
    sqs = cloud.client("sqs")
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        if not batch.get("Messages"):
            return messages
        messages.extend(batch["Messages"])
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch["Messages"])])


def _s3_records(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The S3 event records among message bodies (the s3:TestEvent sent on configuration is skipped)."""
    return [record for body in bodies if body.get("Event") != "s3:TestEvent" for record in body["Records"]]


def _assert_s3_record(record: dict[str, Any], bucket: str, key: str, encoded_key: str, size: int) -> None:
    assert record["eventVersion"] == "2.1"
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["awsRegion"] == "us-east-1"
    assert record["eventTime"]
    assert record["userIdentity"]["principalId"]
    assert record["requestParameters"]["sourceIPAddress"]
    assert record["responseElements"]["x-amz-request-id"] and record["responseElements"]["x-amz-id-2"]
    assert record["s3"]["s3SchemaVersion"] == "1.0"
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert record["s3"]["bucket"]["ownerIdentity"]["principalId"]
    obj = record["s3"]["object"]
    assert obj["key"] == encoded_key
    assert unquote_plus(obj["key"]) == key
    assert obj["size"] == size
    assert obj["eTag"]
    int(obj["sequencer"], 16)  # a hex string


def _assert_sns_envelope(envelope: dict[str, Any], topic_arn: str, message: str) -> None:
    assert envelope["Type"] == "Notification"
    assert envelope["MessageId"]
    assert envelope["TopicArn"] == topic_arn
    assert envelope["Message"] == message
    assert envelope["Timestamp"].endswith("Z")
    for field in ("SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL"):
        assert envelope[field], field


# -- S3 -----------------------------------------------------------------------------------------
def test_s3_object_created_reaches_a_queue_with_the_real_event_shape(cloud, deploy):
    stack = deploy("s3_events")
    bucket = stack.outputs["ToQueueBucket"]
    cloud.client("s3").put_object(Bucket=bucket, Key=UNICODE_KEY, Body=b"12345")

    bodies = [json.loads(m["Body"]) for m in _receive_all(cloud, stack.outputs["NotifiedQueueUrl"])]
    records = _s3_records(bodies)

    assert len(records) == 1
    _assert_s3_record(records[0], bucket, UNICODE_KEY, UNICODE_KEY_ENCODED, 5)


def test_s3_object_created_reaches_a_queue_through_an_sns_topic(cloud, deploy):
    stack = deploy("s3_events")
    bucket = stack.outputs["ToTopicBucket"]
    cloud.client("s3").put_object(Bucket=bucket, Key=UNICODE_KEY, Body=b"123")

    envelopes = [json.loads(m["Body"]) for m in _receive_all(cloud, stack.outputs["FanoutQueueUrl"])]
    events = [json.loads(e["Message"]) for e in envelopes]
    records = _s3_records(events)

    assert len(records) == 1
    envelope = envelopes[[i for i, e in enumerate(events) if e.get("Event") != "s3:TestEvent"][0]]
    _assert_sns_envelope(envelope, stack.outputs["FanoutTopicArn"], envelope["Message"])
    _assert_s3_record(records[0], bucket, UNICODE_KEY, UNICODE_KEY_ENCODED, 3)


def test_s3_object_created_invokes_a_function_asynchronously(cloud, deploy, recorded, tick):
    stack = deploy("s3_events")
    bucket = stack.outputs["ToFunctionBucket"]
    cloud.client("s3").put_object(Bucket=bucket, Key=UNICODE_KEY, Body=b"1234")

    assert recorded(stack.outputs["RecordBucket"], "events/") == []  # asynchronous: not run inside PutObject
    tick()

    events = recorded(stack.outputs["RecordBucket"], "events/")
    assert len(events) == 1 and len(events[0]["Records"]) == 1
    _assert_s3_record(events[0]["Records"][0], bucket, UNICODE_KEY, UNICODE_KEY_ENCODED, 4)


@pytest.mark.parametrize(("key", "encoded"), [
    ("a bé.png", "a+b%C3%A9.png"),
    ("photos/my cat é.png", "photos/my+cat+%C3%A9.png"),
    ("in/two  spaces & more (1).txt", "in/two++spaces+%26+more+%281%29.txt"),
    ("日本語/ファイル.txt", "%E6%97%A5%E6%9C%AC%E8%AA%9E/%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB.txt"),
    ("a+b.png", "a%2Bb.png"),
])
def test_s3_event_keys_are_url_encoded_like_aws_and_decode_with_unquote_plus(cloud, deploy, recorded, tick,
                                                                              key, encoded):
    stack = deploy("s3_events")
    cloud.client("s3").put_object(Bucket=stack.outputs["ToFunctionBucket"], Key=key, Body=b"x")
    tick()

    (event,) = recorded(stack.outputs["RecordBucket"], "events/")
    sent_key = event["Records"][0]["s3"]["object"]["key"]
    assert sent_key == encoded
    assert unquote_plus(sent_key) == key
    body = cloud.client("s3").get_object(Bucket=stack.outputs["ToFunctionBucket"], Key=unquote_plus(sent_key))["Body"]
    assert body.read() == b"x"


# -- SNS -> SQS ---------------------------------------------------------------------------------
def test_sns_to_sqs_delivers_the_real_envelope(cloud, deploy):
    stack = deploy("sns_events")
    topic = stack.outputs["TopicArn"]
    published = cloud.client("sns").publish(TopicArn=topic, Message="hello envelope", Subject="greeting",
                                            MessageAttributes={"color": {"DataType": "String", "StringValue": "blue"}})

    (message,) = _receive_all(cloud, stack.outputs["EnvelopeQueueUrl"])
    envelope = json.loads(message["Body"])

    _assert_sns_envelope(envelope, topic, "hello envelope")
    assert envelope["MessageId"] == published["MessageId"]
    assert envelope["Subject"] == "greeting"
    assert envelope["MessageAttributes"]["color"] == {"Type": "String", "Value": "blue"}


def test_sns_raw_message_delivery_sends_the_bare_message(cloud, deploy):
    stack = deploy("sns_events")
    cloud.client("sns").publish(TopicArn=stack.outputs["TopicArn"], Message='{"order": 42}',
                                MessageAttributes={"color": {"DataType": "String", "StringValue": "green"}})

    (message,) = _receive_all(cloud, stack.outputs["RawQueueUrl"])

    assert message["Body"] == '{"order": 42}'
    assert message["MessageAttributes"]["color"]["StringValue"] == "green"  # attributes become SQS attributes


def test_sns_filter_policy_drops_a_message_whose_attributes_do_not_match(cloud, deploy):
    stack = deploy("sns_events")
    sns = cloud.client("sns")
    for color in ("blue", "red", "green"):
        sns.publish(TopicArn=stack.outputs["TopicArn"], Message=f"a {color} one",
                    MessageAttributes={"color": {"DataType": "String", "StringValue": color}})
    sns.publish(TopicArn=stack.outputs["TopicArn"], Message="no attributes at all")

    filtered = [m["Body"] for m in _receive_all(cloud, stack.outputs["FilteredQueueUrl"])]
    unfiltered = [m["Body"] for m in _receive_all(cloud, stack.outputs["RawQueueUrl"])]

    assert filtered == ["a red one"]
    assert sorted(unfiltered) == sorted(["a blue one", "a red one", "a green one", "no attributes at all"])


# -- SNS -> Lambda ------------------------------------------------------------------------------
def test_sns_to_lambda_delivers_the_real_sns_event(cloud, deploy, recorded, tick):
    stack = deploy("sns_events")
    topic = stack.outputs["TopicArn"]
    published = cloud.client("sns").publish(
        TopicArn=topic, Message="hello lambda", Subject="hi",
        MessageAttributes={"color": {"DataType": "String", "StringValue": "red"},
                           "size": {"DataType": "Number", "StringValue": "3"}})

    assert recorded(stack.outputs["RecordBucket"], "events/") == []  # asynchronous
    tick()

    (event,) = recorded(stack.outputs["RecordBucket"], "events/")
    (record,) = event["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["EventVersion"] == "1.0"
    subscriptions = cloud.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    lambda_subscription = [s for s in subscriptions if s["Protocol"] == "lambda"][0]
    assert record["EventSubscriptionArn"] == lambda_subscription["SubscriptionArn"]
    sns = record["Sns"]
    assert sns["TopicArn"] == topic
    assert sns["MessageId"] == published["MessageId"]
    assert sns["Message"] == "hello lambda"
    assert sns["Subject"] == "hi"
    assert sns["Type"] == "Notification"
    assert sns["Timestamp"].endswith("Z") and not sns["Timestamp"].startswith("1970")
    assert sns["MessageAttributes"] == {"color": {"Type": "String", "Value": "red"},
                                        "size": {"Type": "Number", "Value": "3"}}
    for field in ("SignatureVersion", "Signature", "SigningCertUrl", "UnsubscribeUrl"):
        assert sns[field], field


def test_failed_async_invocation_is_retried_after_60_and_120_seconds_then_recorded_as_failed(cloud, deploy, tick):
    stack = deploy("sns_events")
    function = stack.outputs["Recorder"]
    cloud.client("sns").publish(TopicArn=stack.outputs["TopicArn"], Message="fail")

    def attempts() -> int:
        return sum(1 for i in cloud.plane.executor.invocations if i["function"] == function)

    tick()
    assert attempts() == 1
    tick(59)
    assert attempts() == 1
    tick(1)
    assert attempts() == 2  # first retry, 60 s later
    tick(119)
    assert attempts() == 2
    assert cloud.plane.failed_async == []
    tick(1)
    assert attempts() == 3  # second retry, 120 s after the first

    assert len(cloud.plane.failed_async) == 1
    failed = cloud.plane.failed_async[0]
    assert failed["function"].endswith(f":function:{function}")
    assert failed["attempts"] == 3
    assert failed["error"]["errorType"] == "RuntimeError"
    assert failed["event"]["Records"][0]["Sns"]["Message"] == "fail"
    tick(3600)
    assert attempts() == 3  # no more retries


def test_successful_async_invocation_is_not_retried(cloud, deploy, tick):
    stack = deploy("sns_events")
    function = stack.outputs["Recorder"]
    cloud.client("sns").publish(TopicArn=stack.outputs["TopicArn"], Message="fine")

    tick()
    tick(3600)

    assert sum(1 for i in cloud.plane.executor.invocations if i["function"] == function) == 1
    assert cloud.plane.failed_async == []
