"""Fixtures for the jobs library: an embedded cloud on a virtual clock, a job table shaped as the
job-queue template makes it, a queue, and ``JobQueue``s over them with performers that record
every perform call. The library is imported as handlers import it (``import jobs``)."""

from __future__ import annotations

import sys
import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[4] / "functions" / "shared"
if str(SHARED) not in sys.path:
    sys.path.insert(0, str(SHARED))

from jobs import JobQueue, Performer  # noqa: E402
from jobs.delivery import Delivery  # noqa: E402

from infra.cloud import Cloud  # noqa: E402


class Calls:
    """Every perform call, by (job id, attempt); and how many ran at once per exclusive key."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count: Counter = Counter()
        self.running: Counter = Counter()
        self.most_at_once: Counter = Counter()
        self.release = threading.Event()
        self.release.set()

    def enter(self, job: Any) -> None:
        with self.lock:
            self.count[(job["jobId"], job["attempt"])] += 1
            key = job.get("exclusiveKey", "")
            self.running[key] += 1
            self.most_at_once[key] = max(self.most_at_once[key], self.running[key])

    def leave(self, job: Any) -> None:
        with self.lock:
            self.running[job.get("exclusiveKey", "")] -= 1


CALLS = Calls()


class Record(Performer):
    """Records the call; fails while ``attempt <= payload["failTimes"]``; ``crash`` kills the consumer
    (SystemExit); ``hold`` waits until the test releases it."""

    job_type = "record"

    def perform(self, payload: Any) -> Any:
        CALLS.enter(self.job)
        try:
            payload = payload or {}
            if payload.get("hold"):
                CALLS.release.wait(10)
            if payload.get("crash") == self.attempt:
                raise SystemExit("consumer crashed")
            if self.attempt <= payload.get("failTimes", 0):
                raise RuntimeError(f"attempt {self.attempt} fails")
            return {"attempt": self.attempt}
        finally:
            CALLS.leave(self.job)


def create_table(ddb: Any) -> str:
    name = f"jobs-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in
                              (("pk", "S"), ("status", "S"), ("updatedAt", "N"), ("jobType", "S"), ("createdAt", "N"))],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "byStatus", "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "updatedAt", "KeyType": "RANGE"}]},
            {"IndexName": "byType", "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": "jobType", "KeyType": "HASH"}, {"AttributeName": "createdAt", "KeyType": "RANGE"}]}])
    return name


@pytest.fixture
def calls() -> Calls:
    global CALLS
    CALLS = Calls()
    return CALLS


@pytest.fixture
def make_queue(cloud: Cloud, calls: Calls):
    """``make_queue(**settings)``: a JobQueue over a fresh table and queue on the test's cloud."""

    def make(**settings: Any) -> JobQueue:
        sqs = cloud.client("sqs")
        url = sqs.create_queue(QueueName=f"jobs-{uuid.uuid4().hex[:8]}", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
        delivery = Delivery(url, lambda: cloud.client("sqs"), lambda: cloud.client("scheduler"),
                            "arn:aws:lambda:us-east-1:123456789012:function:redeliver",
                            "arn:aws:iam::123456789012:role/scheduler")
        settings.setdefault("recover_grace", 60.0)
        return JobQueue([Record], table=create_table(cloud.client("dynamodb")), delivery=delivery,
                        clients=cloud.client, clock=cloud.clock, **settings)

    return make


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
