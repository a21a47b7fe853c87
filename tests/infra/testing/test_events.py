"""The event factories give AWS's shapes: checked against what the toolkit's own event delivery
and moto's SQS produce, and against AWS's documented fields."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import unquote_plus

import pytest

from infra.testing import events


def test_s3_put_encodes_the_key_as_s3_does_and_names_the_bucket():
    record = events.s3_put("uploads", "photos/my cat é+1.png", size=42)["Records"][0]
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["object"]["key"] == "photos/my+cat+%C3%A9%2B1.png"
    assert unquote_plus(record["s3"]["object"]["key"]) == "photos/my cat é+1.png"
    assert record["s3"]["bucket"] == {"name": "uploads", "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                                      "arn": "arn:aws:s3:::uploads"}
    assert record["s3"]["object"]["size"] == 42 and record["eventTime"].endswith("Z")


def test_sqs_messages_get_unique_ids_and_the_body_md5():
    first, second = events.sqs_message({"id": 1}), events.sqs_message("plain text", queue="orders")
    assert first["messageId"] != second["messageId"] and first["receiptHandle"] != second["receiptHandle"]
    assert first["body"] == '{"id": 1}' and second["eventSourceARN"].endswith(":orders")
    assert second["md5OfBody"] == hashlib.md5(b"plain text").hexdigest()
    assert "MessageGroupId" not in first["attributes"]


def test_fifo_messages_carry_group_deduplication_and_increasing_sequence_numbers():
    one = events.sqs_message("a", queue="orders.fifo", group_id="customer-7")
    two = events.sqs_message("b", queue="orders.fifo", group_id="customer-7", deduplication_id="b-1")
    assert one["attributes"]["MessageGroupId"] == "customer-7"
    assert len(one["attributes"]["MessageDeduplicationId"]) == 64  # content-based: SHA-256 of the body
    assert two["attributes"]["MessageDeduplicationId"] == "b-1"
    assert len(one["attributes"]["SequenceNumber"]) == 20
    assert int(two["attributes"]["SequenceNumber"]) > int(one["attributes"]["SequenceNumber"])
    with pytest.raises(ValueError, match="FIFO"):
        events.sqs_message("a", queue="orders.fifo")
    with pytest.raises(ValueError, match="FIFO"):
        events.sqs_message("a", queue="orders", group_id="g")


def test_message_attributes_have_the_lambda_shape_and_the_md5_sqs_computes(cloud):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName="md5-check")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "order"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})

    record = events.sqs_message("x", message_attributes={"kind": "order", "blob": b"\x00\x01"})

    assert record["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["messageAttributes"]["kind"] == {"stringValue": "order", "stringListValues": [],
                                                   "binaryListValues": [], "dataType": "String"}


def test_sns_envelope_and_sns_event_have_their_own_field_casing():
    envelope = events.sns_envelope({"a": 1}, topic="alerts")
    assert envelope["Type"] == "Notification" and json.loads(envelope["Message"]) == {"a": 1}
    assert "SigningCertURL" in envelope and "Subject" not in envelope
    record = events.sns_event("hello", topic="alerts", subject="hi")["Records"][0]
    assert record["EventSource"] == "aws:sns" and record["EventSubscriptionArn"].startswith(
        "arn:aws:sns:us-east-1:123456789012:alerts:")
    assert record["Sns"]["Message"] == "hello" and record["Sns"]["Subject"] == "hi" and "SigningCertUrl" in record["Sns"]


def test_kinesis_records_have_56_digit_increasing_sequence_numbers_and_base64_data():
    one, two = events.kinesis_record(b"\x00raw"), events.kinesis_record({"n": 2}, partition_key="device-1")
    first, second = one["kinesis"]["sequenceNumber"], two["kinesis"]["sequenceNumber"]
    assert len(first) == len(second) == 56 and int(second) > int(first)
    assert base64.b64decode(one["kinesis"]["data"]) == b"\x00raw"
    assert json.loads(base64.b64decode(two["kinesis"]["data"])) == {"n": 2}
    assert two["eventID"] == f"shardId-000000000000:{second}" and two["kinesis"]["partitionKey"] == "device-1"


def test_api_gateway_request_is_the_rest_proxy_event():
    event = events.api_gateway_request("POST", "/orders/7?verbose=1", body={"item": "beans"},
                                       resource="/orders/{id}", path_parameters={"id": "7"})
    assert event["httpMethod"] == "POST" and event["resource"] == "/orders/{id}" and event["path"] == "/orders/7"
    assert event["pathParameters"] == {"id": "7"} and event["queryStringParameters"] == {"verbose": "1"}
    assert json.loads(event["body"]) == {"item": "beans"} and event["isBase64Encoded"] is False
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["requestContext"]["stage"] == "prod" and event["requestContext"]["httpMethod"] == "POST"
