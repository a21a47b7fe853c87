"""moto's structures that grow with traffic stay bounded (infra/compute/moto_hooks/memory.py), so a long
``serve`` or ``up`` levels off; what a user can still see of them keeps working."""

from __future__ import annotations

import gc
import time
import uuid

from infra.compute.moto_hooks.memory import DELETED_HANDLES_KEPT, LOG_EVENTS_KEPT, RecentHandles


def _queue(cloud):
    sqs = cloud.client("sqs")
    return sqs, sqs.create_queue(QueueName=f"soak-{uuid.uuid4().hex[:8]}")["QueueUrl"]


def test_messages_received_and_deleted_are_not_kept_by_moto_instance_tracking(cloud):
    from moto.sqs.models import Message

    sqs, url = _queue(cloud)
    for round_ in range(20):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"{round_}-{i}"} for i in range(10)])
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                         for i, m in enumerate(received)])
    gc.collect()
    assert len(list(Message.instances_tracked)) < 20  # 200 messages (and their copies) went through


def test_moto_dashboard_still_lists_the_live_instances(cloud):
    from moto.sqs.models import Queue

    _, url = _queue(cloud)
    assert url.rsplit("/", 1)[1] in [queue.name for queue in Queue.instances_tracked]


def test_a_message_deleted_twice_with_the_same_handle_still_succeeds(cloud):
    sqs, url = _queue(cloud)
    sqs.send_message(QueueUrl=url, MessageBody="once")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)  # AWS: succeeds; no error either here
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_a_queue_remembers_a_bounded_number_of_deleted_receipt_handles(cloud):
    from moto.sqs.models import sqs_backends

    _, url = _queue(cloud)
    account, name = url.split("/")[-2:]
    queue = sqs_backends[account]["us-east-1"].queues[name]
    assert isinstance(queue.deleted_messages, RecentHandles) and queue.deleted_messages.limit == DELETED_HANDLES_KEPT


def test_recent_handles_forget_the_oldest_beyond_the_limit():
    handles = RecentHandles(limit=3)
    handles.update(["a", "b"])
    handles.add("c")
    handles.update(["d", "e"])
    assert len(handles) == 3 and list(handles) == ["c", "d", "e"]
    assert "a" not in handles and "e" in handles


def test_a_log_stream_keeps_its_latest_events_only(cloud):
    logs = cloud.client("logs")
    group, stream = f"/soak/{uuid.uuid4().hex[:8]}", "stream"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)  # CloudWatch Logs takes wall-clock stamps
    total = LOG_EVENTS_KEPT * 2
    for first in range(0, total, LOG_EVENTS_KEPT):
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": now + n, "message": f"line {n}"} for n in range(first, first + LOG_EVENTS_KEPT)])
    from moto.logs.models import logs_backends

    account = cloud.client("sts").get_caller_identity()["Account"]
    events = logs_backends[account]["us-east-1"].groups[group].streams[stream].events
    assert len(events) <= LOG_EVENTS_KEPT + LOG_EVENTS_KEPT // 4
    assert events[-1].message == f"line {total - 1}"  # the latest are the ones kept


def test_user_agent_texts_kept_do_not_grow_with_calls(cloud):
    import botocore.useragent as useragent

    sqs, url = _queue(cloud)
    sqs.get_queue_attributes(QueueUrl=url)
    kept = useragent.UserAgentComponent.to_string.cache_info().currsize
    for _ in range(50):
        sqs.get_queue_attributes(QueueUrl=url)
    assert useragent.UserAgentComponent.to_string.cache_info().currsize == kept  # every call's texts were kept already
