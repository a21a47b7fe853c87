"""SQS FIFO -> Lambda against SQS's documented behaviour: deduplication for 5 minutes even after
the message was deleted (on the plane's clock), content-based deduplication on the body's
SHA-256, sequence numbers, and Lambda's limits on a FIFO mapping (BatchSize <= 10, no window)."""

from __future__ import annotations

import hashlib
import json

import pytest

from infra.exceptions import DeployError


def _send(cloud, queue_url, body, group="g", dedup_id=None):
    kwargs = {"QueueUrl": queue_url, "MessageBody": json.dumps(body), "MessageGroupId": group}
    if dedup_id is not None:
        kwargs["MessageDeduplicationId"] = dedup_id
    return cloud.client("sqs").send_message(**kwargs)


def _delivered(recorded, stack):
    return [m["body"]["name"] for batch in recorded(stack.outputs["RecordBucket"], "batches/") for m in batch["messages"]]


def test_a_deduplication_id_is_remembered_for_five_minutes_after_the_message_was_deleted(cloud, deploy, recorded,
                                                                                          tick):
    stack = deploy("sqs_fifo")
    queue = stack.outputs["QueueUrl"]
    first = _send(cloud, queue, {"name": "first"}, dedup_id="tx-1")
    tick()  # delivered and deleted
    assert _delivered(recorded, stack) == ["first"]

    tick(240)
    again = _send(cloud, queue, {"name": "resent"}, dedup_id="tx-1")
    tick()
    assert _delivered(recorded, stack) == ["first"]  # 4 minutes later: still a duplicate
    assert again["MessageId"] == first["MessageId"]  # accepted, answered as the original

    tick(61)
    _send(cloud, queue, {"name": "after-the-window"}, dedup_id="tx-1")
    tick()
    assert _delivered(recorded, stack) == ["first", "after-the-window"]


def test_content_based_deduplication_hashes_the_body_only(cloud, deploy, recorded, tick):
    stack = deploy("sqs_fifo")  # ContentBasedDeduplication: true
    queue = stack.outputs["QueueUrl"]
    _send(cloud, queue, {"name": "same"}, group="a")
    tick()
    cloud.client("sqs").send_message(QueueUrl=queue, MessageBody=json.dumps({"name": "same"}), MessageGroupId="b",
                                     MessageAttributes={"other": {"DataType": "String", "StringValue": "x"}})
    _send(cloud, queue, {"name": "different"}, group="a")
    tick()

    batches = recorded(stack.outputs["RecordBucket"], "batches/")
    assert [m["body"]["name"] for b in batches for m in b["messages"]] == ["same", "different"]
    records = [m for b in batches for m in b["messages"]]
    assert records[0]["dedup_id"] == hashlib.sha256(json.dumps({"name": "same"}).encode()).hexdigest()


def test_fifo_records_carry_increasing_sequence_numbers(cloud, deploy, recorded, tick):
    stack = deploy("sqs_fifo")
    queue = stack.outputs["QueueUrl"]
    sent = [_send(cloud, queue, {"name": f"m{i}"}) for i in range(3)]

    tick()

    records = [m for b in recorded(stack.outputs["RecordBucket"], "batches/") for m in b["messages"]]
    sequences = [m["sequence"] for m in records]
    assert sequences == [s["SequenceNumber"] for s in sent]
    assert all(len(s) == 20 and s.isdigit() for s in sequences)
    assert [int(s) for s in sequences] == sorted(int(s) for s in sequences)


def test_a_fifo_mapping_with_a_batch_size_over_ten_fails_the_deploy(cloud, deploy):
    with pytest.raises(DeployError) as failed:
        deploy("sqs_fifo", BatchSize=11)

    assert failed.value.logical_id == "WorkerOrdered"
    assert "BatchSize 11" in str(failed.value)



def test_with_message_group_scope_the_same_id_in_two_groups_is_not_a_duplicate(cloud):
    sqs = cloud.client("sqs")
    queue = sqs.create_queue(QueueName="high-throughput.fifo", Attributes={
        "FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})["QueueUrl"]
    for group in ("a", "b", "a"):
        _send(cloud, queue, {"name": group}, group=group, dedup_id="tx-1")

    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]

    assert sorted(m["Attributes"]["MessageGroupId"] for m in messages) == ["a", "b"]
