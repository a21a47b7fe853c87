"""A user's own SAM app (this folder) tested with the toolkit's pytest plugin (``cloud``, ``events``),
as the README shows it."""

import json
from pathlib import Path

APP = Path(__file__).parent            # the folder holding template.yaml


def test_an_order_sent_to_the_queue_is_recorded(cloud):
    app = cloud.deploy(APP)            # the stack; app["QueueUrl"] is an output
    cloud.client("sqs").send_message(QueueUrl=app["QueueUrl"], MessageBody=json.dumps({"id": "7", "item": "beans"}))
    cloud.drain()                      # delivered by the event source mapping, retries included, virtual time
    item = cloud.client("dynamodb").get_item(TableName=app["TableName"], Key={"id": {"S": "7"}})["Item"]
    assert item["status"] == {"S": "recorded"}


def test_a_malformed_order_is_a_batch_item_failure(cloud, events):
    app = cloud.deploy(APP)
    batch = events.sqs_event(events.sqs_message("not json"))
    answer = cloud.client("lambda").invoke(FunctionName=app["FunctionName"], Payload=json.dumps(batch))
    assert json.loads(answer["Payload"].read())["batchItemFailures"][0]["itemIdentifier"] == batch["Records"][0]["messageId"]


def test_a_malformed_order_ends_in_the_dead_letter_queue_and_good_ones_are_kept(cloud, events):
    app = cloud.deploy(APP)
    sqs = cloud.client("sqs")
    sqs.send_message(QueueUrl=app["QueueUrl"], MessageBody="not json")
    sqs.send_message(QueueUrl=app["QueueUrl"], MessageBody=json.dumps({"id": "8", "item": "tea"}))
    cloud.drain()
    dead = sqs.receive_message(QueueUrl=app["DeadLetterQueueUrl"])["Messages"]
    assert [m["Body"] for m in dead] == ["not json"]
    assert cloud.client("dynamodb").scan(TableName=app["TableName"])["Count"] == 1
