"""SQS -> Lambda event source mappings with Lambda's documented semantics (a source kind).

Batches up to BatchSize within MaximumBatchingWindowInSeconds; the queue's visibility timeout
governs retries; with ReportBatchItemFailures only the reported messages come back; the queue's
redrive policy moves a message to its DLQ after maxReceiveCount receives; messages already in
the queue are delivered. On FIFO queues a failed message also fails the later messages of its
group in the same batch, so a group never runs ahead of a failed message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from infra.compute.executor import InvocationResult
from infra.compute.sources import Invoke, SourceContext, enabled
from infra.compute.sources.moto_sqs import install_moto_hooks

SERVICE = "sqs"
FIFO_MAX_BATCH_SIZE = 10
__all__ = ["SERVICE", "build", "check", "install_moto_hooks", "SqsPoller", "SqsMapping"]


@dataclass
class SqsMapping:
    uuid: str
    queue_arn: str
    function_arn: str
    batch_size: int = 10
    batching_window: float = 0.0
    report_batch_item_failures: bool = False


@dataclass
class SqsPoller:
    mapping: SqsMapping
    sqs: Any  # a boto3 SQS client of the target
    invoke: Invoke
    now: Callable[[], float]
    pending: list[dict[str, Any]] = field(default_factory=list)
    window_deadline: float | None = None
    queue_url: str = ""

    def __post_init__(self) -> None:
        parts = self.mapping.queue_arn.split(":")
        self.queue_url = self.sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
        self.region = parts[3]
        self.fifo = parts[5].endswith(".fifo")

    def poll_once(self, wait_seconds: int = 0) -> int:
        """Receive what is visible, invoke when the batch is due; returns messages handled."""
        self._fill(wait_seconds)
        if not self.pending:
            return 0
        full = len(self.pending) >= self.mapping.batch_size
        if not full and self.window_deadline is not None and self.now() < self.window_deadline:
            return 0
        batch, self.pending, self.window_deadline = self.pending, [], None
        self._deliver(batch)
        return len(batch)

    def next_deadline(self) -> float | None:
        return self.window_deadline if self.pending else None

    @property
    def uuid(self) -> str:
        return self.mapping.uuid

    def in_flight(self) -> int:
        """Messages in the queue (visible, in flight or delayed) and a batch held by its window."""
        return len(self.pending) + queued_messages(self.sqs, [self.queue_url])

    def reconfigure(self, esm: dict[str, Any]) -> None:
        mapping = mapping_from_api(esm)
        if mapping is not None:
            self.mapping = mapping

    def workers(self) -> dict[str, Callable[[], int]]:
        return {self.queue_url: lambda: self.poll_once(wait_seconds=1)}  # long polling, as Lambda's pollers do

    def _fill(self, wait_seconds: int) -> None:
        while len(self.pending) < self.mapping.batch_size:
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, self.mapping.batch_size - len(self.pending)),
                WaitTimeSeconds=wait_seconds if not self.pending else 0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            messages = response.get("Messages", [])
            if not messages:
                return
            if not self.pending:
                self.window_deadline = self.now() + self.mapping.batching_window
            self.pending.extend(messages)

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        event = {"Records": [self._record(m) for m in batch]}
        result = self.invoke(self.mapping.function_arn, event)
        failed_ids = self._failed_ids(result, batch)
        if self.fifo:
            failed_ids = self._fail_rest_of_groups(batch, failed_ids)
        done = [m for m in batch if m["MessageId"] not in failed_ids]
        for start in range(0, len(done), 10):
            chunk = done[start:start + 10]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )

    def _failed_ids(self, result: InvocationResult, batch: list[dict[str, Any]]) -> set[str]:
        every = {m["MessageId"] for m in batch}
        if result["function_error"]:
            return every
        if not self.mapping.report_batch_item_failures:
            return set()
        payload = result["payload"]
        if payload is None or payload == {} or payload == "":
            return set()
        failures = payload.get("batchItemFailures") if isinstance(payload, dict) else None
        if failures is None or not isinstance(failures, list):
            return every  # a malformed response fails the whole batch, as Lambda does
        failed: set[str] = set()
        for item in failures:
            identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
            if not identifier or identifier not in every:
                return every
            failed.add(identifier)
        return failed

    @staticmethod
    def _fail_rest_of_groups(batch: list[dict[str, Any]], failed_ids: set[str]) -> set[str]:
        blocked: set[str] = set()
        result = set(failed_ids)
        for message in batch:
            group = message.get("Attributes", {}).get("MessageGroupId")
            if group in blocked:
                result.add(message["MessageId"])
            elif message["MessageId"] in failed_ids:
                blocked.add(group)
        return result

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = dict(message.get("Attributes", {}))
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": attributes,
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": value.get("StringListValues", []),
                    "binaryListValues": value.get("BinaryListValues", []),
                    "dataType": value["DataType"],
                }
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.mapping.queue_arn,
            "awsRegion": self.region,
        }


def mapping_from_api(esm: dict[str, Any]) -> SqsMapping | None:
    """An SqsMapping from ListEventSourceMappings output, or None for a non-SQS or disabled one."""
    source = esm.get("EventSourceArn", "")
    if not source.startswith("arn:aws:sqs:") or not enabled(esm):
        return None
    return SqsMapping(
        uuid=esm["UUID"],
        queue_arn=source,
        function_arn=esm["FunctionArn"],
        batch_size=int(esm.get("BatchSize") or 10),
        batching_window=float(esm.get("MaximumBatchingWindowInSeconds") or 0),
        report_batch_item_failures="ReportBatchItemFailures" in (esm.get("FunctionResponseTypes") or []),
    )


def build(esm: dict[str, Any], ctx: SourceContext) -> SqsPoller:
    mapping = mapping_from_api(esm)
    if mapping is None:
        raise ValueError(f"not an enabled SQS mapping: {esm.get('UUID')}")
    return SqsPoller(mapping, ctx.clients("sqs"), ctx.invoke, ctx.now)


STREAM_ONLY = ("StartingPosition", "StartingPositionTimestamp", "BisectBatchOnFunctionError", "MaximumRetryAttempts",
               "MaximumRecordAgeInSeconds", "ParallelizationFactor", "TumblingWindowInSeconds", "DestinationConfig")


def check(props: dict[str, Any]) -> str | None:
    """What Lambda refuses for an SQS mapping: settings of stream sources (retries and failures
    are the queue's: visibility timeout, redrive policy); on a FIFO queue batches of more than 10
    or a batching window."""
    given = [key for key in STREAM_ONLY if props.get(key) not in (None, False)]
    if given:
        return f"{', '.join(given)} apply to stream sources, not to SQS (Lambda refuses them)"
    if not str(props.get("EventSourceArn", "")).endswith(".fifo"):
        return None
    batch_size = int(props.get("BatchSize") or FIFO_MAX_BATCH_SIZE)
    if batch_size > FIFO_MAX_BATCH_SIZE:
        return (f"BatchSize {batch_size} is over {FIFO_MAX_BATCH_SIZE}, the most Lambda takes from a FIFO queue")
    if float(props.get("MaximumBatchingWindowInSeconds") or 0) > 0:
        return "MaximumBatchingWindowInSeconds is not supported for FIFO queues (Lambda refuses it)"
    return None


def queued_messages(sqs: Any, queue_urls: list[str]) -> int:
    """Messages in these queues: visible, in flight or delayed."""
    count = 0
    for url in queue_urls:
        attrs = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                          "ApproximateNumberOfMessagesDelayed"])["Attributes"]
        count += sum(int(v) for v in attrs.values())
    return count


def mapped_queue_urls(lam: Any, sqs: Any) -> list[str]:
    """The queues that enabled SQS event source mappings read."""
    urls = []
    for page in lam.get_paginator("list_event_source_mappings").paginate():
        for esm in page["EventSourceMappings"]:
            mapping = mapping_from_api(esm)
            if mapping is not None:
                _, _, _, _, account, name = mapping.queue_arn.split(":")
                urls.append(sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"])
    return urls
