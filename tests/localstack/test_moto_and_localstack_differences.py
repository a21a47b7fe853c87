"""Where moto (embedded) and LocalStack answer the same calls differently, the toolkit handles both.

Each test makes the same calls on both targets, shows the difference is real (so the README's
list of differences stays true), and checks that the toolkit's code gives the same result on both.
Skipped with the reason when no LocalStack answers (see test_patterns_on_localstack.py).
"""

from __future__ import annotations

import io
import json
import sys
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from infra import deploy as deployer
from infra.cloud import Cloud
from infra.compute.sources.sqs import mapped_queue_urls

FUNCTION_DIR = Path(__file__).resolve().parents[2] / "functions" / "file_conversion"
if str(FUNCTION_DIR) not in sys.path:
    sys.path.insert(0, str(FUNCTION_DIR))

from fileconv.messages import object_refs  # noqa: E402

AWKWARD_KEY = "in/a b+c é ü.png"  # a space, a plus sign and unicode


@pytest.fixture(scope="module")
def clouds(endpoint: str) -> Iterator[dict[str, Cloud]]:
    # the probes compare the wire formats; LocalStack does not enforce IAM, so neither does the moto side
    embedded = Cloud.embedded(enforce_iam=False)
    try:
        with Cloud.remote("localstack", endpoint) as localstack:
            yield {"moto": embedded, "localstack": localstack}
    finally:
        embedded.close()


def on_both(clouds: dict[str, Cloud], probe: Callable[[Cloud], Any]) -> dict[str, Any]:
    return {name: probe(cloud) for name, cloud in clouds.items()}


def receive_all(sqs: Any, queue_url: str, expected: int, seconds: float = 10.0) -> list[dict[str, Any]]:
    """LocalStack delivers notifications from a background thread: poll until they are there."""
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while len(messages) < expected and time.monotonic() < deadline:
        messages += sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=1).get("Messages", [])
    return messages


def as_sqs_record(message: dict[str, Any], queue_arn: str) -> SQSRecord:
    return SQSRecord({"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
                      "body": message["Body"], "attributes": {}, "messageAttributes": {},
                      "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": "us-east-1"})


def new_queue(cloud: Cloud) -> tuple[str, str]:
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=f"diff-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def notifying_bucket(cloud: Cloud, queue_arn: str) -> str:
    """A new bucket whose ObjectCreated events go to the queue (S3 sends an s3:TestEvent first)."""
    bucket = f"diff-{uuid.uuid4().hex[:8]}"
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]})
    return bucket


def test_account_ids_differ_and_the_toolkit_asks_the_target_for_its_own(clouds):
    accounts = on_both(clouds, lambda cloud: deployer.account_id(cloud.target))

    assert accounts == {"moto": "123456789012", "localstack": "000000000000"}


def test_queue_urls_differ_and_mapped_queues_are_found_by_name_on_both(clouds):
    def probe(cloud: Cloud) -> tuple[str, bool]:
        url, arn = new_queue(cloud)
        function = f"diff-{uuid.uuid4().hex[:8]}"
        lam = cloud.client("lambda")
        role = f"arn:aws:iam::{deployer.account_id(cloud.target)}:role/diff"
        if cloud.target.name == "embedded":
            cloud.client("iam").create_role(RoleName="diff", AssumeRolePolicyDocument="{}")
        lam.create_function(FunctionName=function, Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": _empty_zip()})
        mapping = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=function)["UUID"]
        try:
            return url, url in mapped_queue_urls(lam, cloud.client("sqs"))
        finally:
            lam.delete_event_source_mapping(UUID=mapping)
            lam.delete_function(FunctionName=function)

    found = on_both(clouds, probe)

    assert found["moto"][0].startswith("https://sqs.us-east-1.amazonaws.com/123456789012/")
    assert "/queue/us-east-1/000000000000/" in found["localstack"][0]  # SQS_ENDPOINT_STRATEGY=path
    assert found["moto"][1] and found["localstack"][1]


def test_s3_event_keys_are_encoded_differently_and_decode_to_the_same_key(clouds):
    def probe(cloud: Cloud) -> tuple[str, list[str]]:
        url, arn = new_queue(cloud)
        bucket = notifying_bucket(cloud, arn)
        s3 = cloud.client("s3")
        s3.put_object(Bucket=bucket, Key=AWKWARD_KEY, Body=b"x")
        messages = receive_all(cloud.client("sqs"), url, expected=2)  # s3:TestEvent + the object
        raw = [json.loads(m["Body"])["Records"][0]["s3"]["object"]["key"]
               for m in messages if "Records" in json.loads(m["Body"])]
        decoded = [ref.key for m in messages for ref in object_refs(as_sqs_record(m, arn))]
        return raw[0], decoded

    seen = on_both(clouds, probe)

    assert seen["moto"][0] == "in/a+b%2Bc+%C3%A9+%C3%BC.png"  # form encoding, as AWS sends it
    assert seen["localstack"][0] == "in/a%20b%2Bc%20%C3%A9%20%C3%BC.png"  # spaces as %20
    assert seen["moto"][1] == seen["localstack"][1] == [AWKWARD_KEY]


def test_sns_envelopes_differ_in_signature_fields_and_parse_the_same(clouds):
    def probe(cloud: Cloud) -> tuple[dict[str, Any], list[str]]:
        url, arn = new_queue(cloud)
        sns = cloud.client("sns")
        topic = sns.create_topic(Name=f"diff-{uuid.uuid4().hex[:8]}")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        event = {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                              "s3": {"bucket": {"name": "b"}, "object": {"key": "x+y.png", "size": 1}}}]}
        sns.publish(TopicArn=topic, Message=json.dumps(event))
        messages = receive_all(cloud.client("sqs"), url, expected=1)
        envelope = json.loads(messages[0]["Body"])
        return envelope, [ref.key for ref in object_refs(as_sqs_record(messages[0], arn))]

    seen = on_both(clouds, probe)

    moto, localstack = seen["moto"][0], seen["localstack"][0]
    assert moto["SignatureVersion"] != localstack["SignatureVersion"]
    assert moto["SigningCertURL"].startswith("https://sns.us-east-1.amazonaws.com/")
    assert "/_aws/sns/" in localstack["SigningCertURL"]  # served by LocalStack itself (LOCALSTACK_HOST)
    assert seen["moto"][1] == seen["localstack"][1] == ["x y.png"]


def test_s3_test_event_carries_request_ids_only_on_localstack_and_is_ignored_on_both(clouds):
    def probe(cloud: Cloud) -> tuple[set[str], list[Any]]:
        url, arn = new_queue(cloud)
        notifying_bucket(cloud, arn)
        message = receive_all(cloud.client("sqs"), url, expected=1)[0]
        return set(json.loads(message["Body"])), object_refs(as_sqs_record(message, arn))

    seen = on_both(clouds, probe)

    assert {"RequestId", "HostId"} <= seen["localstack"][0] and not {"RequestId", "HostId"} & seen["moto"][0]
    assert seen["moto"][1] == seen["localstack"][1] == []


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()

