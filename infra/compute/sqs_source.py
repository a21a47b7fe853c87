"""SQS -> Lambda event source mapping with Lambda's documented semantics.

Batches up to BatchSize within MaximumBatchingWindowInSeconds; the queue's visibility timeout
governs retries; with ReportBatchItemFailures only the reported messages come back; the queue's
redrive policy moves a message to its DLQ after maxReceiveCount receives; messages already in
the queue are delivered. On FIFO queues a failed message also fails the later messages of its
group in the same batch, so a group never runs ahead of a failed message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from infra.compute.executor import InvocationResult

Invoke = Callable[[str, dict[str, Any]], InvocationResult]


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
    if not source.startswith("arn:aws:sqs:") or esm.get("State", "Enabled") not in ("Enabled", "Enabling", "Creating"):
        return None
    return SqsMapping(
        uuid=esm["UUID"],
        queue_arn=source,
        function_arn=esm["FunctionArn"],
        batch_size=int(esm.get("BatchSize") or 10),
        batching_window=float(esm.get("MaximumBatchingWindowInSeconds") or 0),
        report_batch_item_failures="ReportBatchItemFailures" in (esm.get("FunctionResponseTypes") or []),
    )


def json_payload(result: InvocationResult) -> str:
    return json.dumps(result["payload"])
