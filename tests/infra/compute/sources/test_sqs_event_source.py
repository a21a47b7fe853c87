"""SQS -> Lambda event source mappings, with Lambda's documented semantics, on a virtual clock.

The worker (fixtures/handlers/sqs_batch.py) records every batch it receives into the stack's
RecordBucket and fails on demand, as each message body says: ``{"fail": true}`` always,
``{"fail_times": n}`` on its first n receives, ``{"malformed": ...}`` answers with a malformed
batchItemFailures response. Visibility timeouts and batching windows pass by advancing the
virtual clock (``tick``), never by sleeping.
"""

from __future__ import annotations

import json
from typing import Any

import pytest


def _send(cloud: Any, queue_url: str, bodies: list[dict[str, Any]], group: str | None = None) -> list[str]:
    """Sends the bodies in order (10 per SendMessageBatch); returns their MessageIds."""
    sqs = cloud.client("sqs")
    ids: list[str] = []
    for start in range(0, len(bodies), 10):
        entries = []
        for i, body in enumerate(bodies[start:start + 10]):
            entry: dict[str, Any] = {"Id": str(i), "MessageBody": json.dumps(body)}
            if group is not None:
                entry["MessageGroupId"] = group
            entries.append(entry)
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        assert not response.get("Failed"), response
        by_entry = {item["Id"]: item["MessageId"] for item in response["Successful"]}
        ids.extend(by_entry[str(i)] for i in range(len(entries)))
    return ids


def _depth(cloud: Any, queue_url: str) -> tuple[int, int]:
    """(visible, in flight) messages of a queue."""
    attributes = cloud.client("sqs").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _dlq_bodies(cloud: Any, queue_url: str) -> list[dict[str, Any]]:
    messages = cloud.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def _batches(recorded: Any, stack: Any) -> list[dict[str, Any]]:
    return recorded(stack.outputs["RecordBucket"], "batches/")


def _ids(batch: dict[str, Any]) -> list[str]:
    return [m["id"] for m in batch["messages"]]


def _names(batch: dict[str, Any]) -> list[str]:
    return [m["body"]["name"] for m in batch["messages"]]


# -- batching -----------------------------------------------------------------------------------
def test_batches_hold_at_most_batch_size_messages(cloud, deploy, recorded, tick):
    stack = deploy("sqs_batch", BatchSize=10)
    sent = _send(cloud, stack.outputs["QueueUrl"], [{"n": i} for i in range(25)])

    tick()

    batches = _batches(recorded, stack)
    assert [len(b["messages"]) for b in batches] == [10, 10, 5]
    assert sorted(i for b in batches for i in _ids(b)) == sorted(sent)
    assert _depth(cloud, stack.outputs["QueueUrl"]) == (0, 0)


def test_batching_window_holds_a_partial_batch_until_the_window_passes(cloud, deploy, recorded, tick):
    stack = deploy("sqs_batch", BatchSize=10, BatchingWindow=5)
    sent = _send(cloud, stack.outputs["QueueUrl"], [{"n": i} for i in range(3)])

    tick()
    assert _batches(recorded, stack) == []
    tick(4)
    assert _batches(recorded, stack) == []  # 4 s into a 5 s window
    tick(1.5)

    batches = _batches(recorded, stack)
    assert [sorted(_ids(b)) for b in batches] == [sorted(sent)]


def test_full_batch_does_not_wait_for_the_batching_window(cloud, deploy, recorded, tick):
    stack = deploy("sqs_batch", BatchSize=10, BatchingWindow=20)
    _send(cloud, stack.outputs["QueueUrl"], [{"n": i} for i in range(12)])

    tick()
    assert [len(b["messages"]) for b in _batches(recorded, stack)] == [10]  # the 2 left wait for their window
    tick(21)
    assert [len(b["messages"]) for b in _batches(recorded, stack)] == [10, 2]


# -- failures and retries -----------------------------------------------------------------------
def test_report_batch_item_failures_returns_only_the_failed_messages(cloud, deploy, recorded, tick):
    stack = deploy("sqs_batch", ReportFailures="true", VisibilityTimeout=30)
    queue = stack.outputs["QueueUrl"]
    bodies = [{"n": 0}, {"n": 1, "fail_times": 1}, {"n": 2}, {"n": 3, "fail_times": 1}, {"n": 4}]
    sent = _send(cloud, queue, bodies)

    tick()
    first = _batches(recorded, stack)
    assert len(first) == 1 and sorted(first[0]["failed"]) == sorted([sent[1], sent[3]])
    assert _depth(cloud, queue) == (0, 2)  # the three successes are deleted, the two failures in flight

    tick(31)
    batches = _batches(recorded, stack)
    assert len(batches) == 2
    assert sorted(_ids(batches[1])) == sorted([sent[1], sent[3]])
    assert [m["receive_count"] for m in batches[1]["messages"]] == [2, 2]
    assert _depth(cloud, queue) == (0, 0)


def test_handler_exception_returns_the_whole_batch_to_the_queue(cloud, deploy, recorded, tick):
    stack = deploy("sqs_batch", ReportFailures="false", VisibilityTimeout=30)
    queue = stack.outputs["QueueUrl"]
    sent = _send(cloud, queue, [{"n": 0}, {"n": 1, "fail_times": 1}, {"n": 2}])

    tick()
    assert _depth(cloud, queue) == (0, 3)  # nothing deleted: every message waits out its visibility timeout
    tick(31)

    batches = _batches(recorded, stack)
    assert len(batches) == 2
    assert sorted(_ids(batches[0])) == sorted(_ids(batches[1])) == sorted(sent)
    assert _depth(cloud, queue) == (0, 0)


@pytest.mark.parametrize("malformed", ["unknown-id", "no-identifier", "not-a-list"])
def test_malformed_batch_item_failures_response_fails_the_whole_batch(cloud, deploy, recorded, tick, malformed):
    stack = deploy("sqs_batch", ReportFailures="true", VisibilityTimeout=30)
    queue = stack.outputs["QueueUrl"]
    sent = _send(cloud, queue, [{"n": 0}, {"n": 1, "malformed": malformed}, {"n": 2}])

    tick()
    assert _depth(cloud, queue) == (0, 3)
    tick(31)

    batches = _batches(recorded, stack)
    assert len(batches) == 2
    assert sorted(_ids(batches[1])) == sorted(sent)
    assert _depth(cloud, queue) == (0, 0)


def test_failed_message_is_not_redelivered_before_the_visibility_timeout_and_is_after(cloud, deploy, recorded, tick):
    stack = deploy("sqs_batch", VisibilityTimeout=30)
    queue = stack.outputs["QueueUrl"]
    _send(cloud, queue, [{"n": 0, "fail_times": 1}])

    tick()
    assert len(_batches(recorded, stack)) == 1
    tick(29)
    assert len(_batches(recorded, stack)) == 1  # still invisible 29 s later
    assert _depth(cloud, queue) == (0, 1)
    tick(2)
    batches = _batches(recorded, stack)
    assert len(batches) == 2 and batches[1]["messages"][0]["receive_count"] == 2
    assert _depth(cloud, queue) == (0, 0)


def test_message_is_redriven_to_the_dlq_after_max_receive_count(cloud, deploy, recorded, tick):
    stack = deploy("sqs_batch", VisibilityTimeout=30, MaxReceiveCount=2)
    queue = stack.outputs["QueueUrl"]
    _send(cloud, queue, [{"n": 7, "fail": True}])

    tick()
    tick(31)
    assert _dlq_bodies(cloud, stack.outputs["DeadLetterQueueUrl"]) == []  # received twice, not yet moved
    tick(31)

    assert len(_batches(recorded, stack)) == 2  # maxReceiveCount deliveries, then the DLQ
    assert _dlq_bodies(cloud, stack.outputs["DeadLetterQueueUrl"]) == [{"n": 7, "fail": True}]
    assert _depth(cloud, queue) == (0, 0)


def test_messages_already_in_the_queue_before_the_mapping_existed_are_delivered(cloud, deploy, recorded, tick):
    stack = deploy("sqs_batch", Mapped="false")
    sent = _send(cloud, stack.outputs["QueueUrl"], [{"n": i} for i in range(4)])
    tick()
    assert _batches(recorded, stack) == []  # no mapping yet

    deploy("sqs_late_mapping", QueueArn=stack.outputs["QueueArn"], FunctionName=stack.outputs["Worker"])
    tick()

    batches = _batches(recorded, stack)
    assert sorted(i for b in batches for i in _ids(b)) == sorted(sent)
    assert _depth(cloud, stack.outputs["QueueUrl"]) == (0, 0)


# -- FIFO ---------------------------------------------------------------------------------------
def test_fifo_messages_are_delivered_in_order_per_message_group(cloud, deploy, recorded, tick):
    stack = deploy("sqs_fifo", BatchSize=10)
    queue = stack.outputs["QueueUrl"]
    for i in range(6):  # interleave the groups
        for group in ("red", "blue"):
            _send(cloud, queue, [{"name": f"{group}-{i}"}], group=group)

    tick()

    delivered = [name for batch in _batches(recorded, stack) for name in _names(batch)]
    assert sorted(delivered) == sorted(f"{g}-{i}" for g in ("red", "blue") for i in range(6))
    for group in ("red", "blue"):
        assert [n for n in delivered if n.startswith(group)] == [f"{group}-{i}" for i in range(6)]


def test_fifo_failing_group_is_held_back_while_other_groups_keep_flowing(cloud, deploy, recorded, tick):
    stack = deploy("sqs_fifo", BatchSize=10)
    queue = stack.outputs["QueueUrl"]
    _send(cloud, queue, [{"name": "a1", "fail_times": 1}, {"name": "a2"}, {"name": "a3"}], group="a")
    _send(cloud, queue, [{"name": "b1"}], group="b")

    tick()
    first = _batches(recorded, stack)
    assert [_names(b) for b in first] == [["a1", "a2", "a3", "b1"]]
    assert _depth(cloud, queue) == (0, 3)  # a1 failed; a2 and a3 came back with it; b1 is done

    _send(cloud, queue, [{"name": "b2"}], group="b")
    tick()
    assert [_names(b) for b in _batches(recorded, stack)][1:] == [["b2"]]  # group b keeps flowing, a waits

    tick(31)
    batches = _batches(recorded, stack)
    assert [_names(b) for b in batches][2:] == [["a1", "a2", "a3"]]  # a resumes in order once a1 succeeds
    assert batches[2]["failed"] == []
    assert _depth(cloud, queue) == (0, 0)


def test_fifo_group_resumes_after_its_failing_message_is_redriven_to_the_dlq(cloud, deploy, recorded, tick):
    stack = deploy("sqs_fifo", BatchSize=1, MaxReceiveCount=2)
    queue = stack.outputs["QueueUrl"]
    _send(cloud, queue, [{"name": "a1", "fail": True}, {"name": "a2"}], group="a")
    _send(cloud, queue, [{"name": "b1"}], group="b")

    tick()
    assert [_names(b) for b in _batches(recorded, stack)] == [["a1"], ["b1"]]
    tick(31)
    assert [_names(b) for b in _batches(recorded, stack)] == [["a1"], ["b1"], ["a1"]]  # a2 still waits
    tick(31)

    assert [_names(b) for b in _batches(recorded, stack)] == [["a1"], ["b1"], ["a1"], ["a2"]]
    assert _dlq_bodies(cloud, stack.outputs["DeadLetterQueueUrl"]) == [{"name": "a1", "fail": True}]
    assert _depth(cloud, queue) == (0, 0)
