"""How a stream batch's invocation is judged, and the failure record Lambda sends for a batch
it gives up on (DestinationConfig.OnFailure: SQS or SNS; metadata only, no record data)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, TypedDict

from infra.compute.executor import InvocationResult


class RequestContext(TypedDict):
    requestId: str
    functionArn: str
    condition: str  # RetryAttemptsExhausted | RecordAgeExceeded
    approximateInvokeCount: int


class StreamBatchInfo(TypedDict):
    shardId: str
    startSequenceNumber: str
    endSequenceNumber: str
    approximateArrivalOfFirstRecord: str
    approximateArrivalOfLastRecord: str
    batchSize: int
    streamArn: str


@dataclass
class FailureOutcome:
    failed_from: int | None  # index of the first failed record; None: the batch succeeded
    error: str | None = None
    state: Any = None  # a tumbling window's state, as the function returned it


def judge(result: InvocationResult, sequences: list[int], report_failures: bool, windowed: bool) -> FailureOutcome:
    """Did the batch succeed, and from which record did it fail?

    A function error fails the whole batch. With ReportBatchItemFailures the lowest reported
    sequence number is where the batch failed; an empty or null list is success; a malformed
    answer (not a list, an item without a known itemIdentifier) fails the whole batch. With a
    tumbling window the function must answer ``{"state": {...}}``."""
    if result["function_error"]:
        return FailureOutcome(0, result["function_error"])
    payload = result["payload"]
    state = None
    if windowed:
        if not isinstance(payload, dict) or not isinstance(payload.get("state"), dict):
            return FailureOutcome(0, "the function returned no state for its tumbling window")
        state = payload["state"]
    if not report_failures or payload is None or payload == {} or payload == "":
        return FailureOutcome(None, state=state)
    failures = payload.get("batchItemFailures") if isinstance(payload, dict) else "malformed"
    if failures is None or failures == []:
        return FailureOutcome(None, state=state)
    if not isinstance(failures, list):
        return FailureOutcome(0, "malformed batchItemFailures")
    position = {str(sequence): index for index, sequence in enumerate(sequences)}
    failed = []
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or str(identifier) not in position:
            return FailureOutcome(0, "malformed batchItemFailures")
        failed.append(position[str(identifier)])
    return FailureOutcome(min(failed), None, state)


def iso_time(seconds: float) -> str:
    """AWS's timestamp form: 2019-11-14T00:38:06.021Z."""
    moment = datetime.fromtimestamp(seconds, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class BatchFailure:
    """A batch given up on: what the failure record says about it."""

    function_arn: str
    condition: str
    invocations: int
    error: str | None
    batch_info_key: str  # KinesisBatchInfo | DDBStreamBatchInfo
    shard_id: str
    stream_arn: str
    records: list[tuple[int, float]]  # (sequence number, arrival) of each record
    at: float

    def record(self) -> dict[str, Any]:
        response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if self.error:
            response["functionError"] = self.error
        context: RequestContext = {"requestId": str(uuid.uuid4()), "functionArn": self.function_arn,
                                   "condition": self.condition, "approximateInvokeCount": self.invocations}
        info: StreamBatchInfo = {
            "shardId": self.shard_id,
            "startSequenceNumber": str(self.records[0][0]),
            "endSequenceNumber": str(self.records[-1][0]),
            "approximateArrivalOfFirstRecord": iso_time(self.records[0][1]),
            "approximateArrivalOfLastRecord": iso_time(self.records[-1][1]),
            "batchSize": len(self.records),
            "streamArn": self.stream_arn,
        }
        return {"requestContext": context, "responseContext": response, "version": "1.0",
                "timestamp": iso_time(self.at), self.batch_info_key: info}


def send_failure_record(clients: Callable[[str], Any], destination: str, record: dict[str, Any]) -> None:
    """To an SQS queue or an SNS topic, by ARN."""
    body = json.dumps(record)
    service = destination.split(":")[2]
    if service == "sqs":
        _, _, _, _, account, name = destination.split(":")
        sqs = clients("sqs")
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=body)
    elif service == "sns":
        clients("sns").publish(TopicArn=destination, Message=body)
    else:
        raise ValueError(f"OnFailure destination {destination}: only SQS and SNS are supported")
