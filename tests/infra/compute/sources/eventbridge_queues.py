"""A queue EventBridge may deliver to (its policy allows events.amazonaws.com, as AWS requires and
the plane checks), and what it received, for the EventBridge tests."""

from __future__ import annotations

import json
from typing import Any


def queue_for_events(cloud: Any, name: str) -> tuple[str, str]:
    """A new queue whose policy lets EventBridge send to it; returns (url, ARN)."""
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                                      "Action": "sqs:SendMessage", "Resource": arn}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def messages(cloud: Any, url: str) -> list[dict[str, Any]]:
    """Every message on the queue (with its attributes), deleted as read."""
    sqs, got = cloud.client("sqs"), []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                       MessageAttributeNames=["All"]).get("Messages", []):
        got += batch
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(batch)])
    return got
