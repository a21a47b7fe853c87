"""What the compute plane's SQS event source does for the jobs library's tests, by hand: receive,
hand to the consumer, acknowledge what it did not report as failed."""

from __future__ import annotations

from typing import Any

from jobs import JobQueue


def receive(queue: JobQueue, visibility: int = 60) -> list[dict[str, Any]]:
    """The messages visible now, as the records of an SQS event."""
    answer = queue.delivery.sqs().receive_message(QueueUrl=queue.delivery.queue_url, MaxNumberOfMessages=10,
                                                  VisibilityTimeout=visibility)
    return [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]}
            for m in answer.get("Messages", [])]


def deliver(queue: JobQueue) -> int:
    """Hand every visible message to the consumer once, as the event source would; acknowledge
    those it did not report as failures. Returns how many were delivered."""
    total = 0
    while True:
        records = receive(queue)
        if not records:
            return total
        failed = {f["itemIdentifier"] for f in queue.consumer_handler({"Records": records})["batchItemFailures"]}
        for record in records:
            if record["messageId"] not in failed:
                queue.delivery.sqs().delete_message(QueueUrl=queue.delivery.queue_url, ReceiptHandle=record["receiptHandle"])
        total += len(records)


def queued(queue: JobQueue) -> int:
    attributes = queue.delivery.sqs().get_queue_attributes(
        QueueUrl=queue.delivery.queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed",
                                                           "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(v) for v in attributes.values())
