"""Which requests AWS bills, and in which unit: a request reaching the target becomes metrics.

Metric names are the price file's (benchmarks/aws_prices.json). What AWS bills per request:

- SQS: every API action, per 64 KB chunk of payload (FIFO queues at their own price), including
  the ReceiveMessage/DeleteMessage calls Lambda's event source makes for you. A receive that
  finds nothing is billed too, but it depends on how long pollers wait, not on the work: it is
  kept apart as ``sqs/empty_receives`` and not counted per operation.
- SNS: Publish, per 64 KB chunk (each message of a PublishBatch); deliveries to Lambda and SQS
  are free.
- Kinesis (provisioned): PUT payload units of 25 KB per record; reads are not billed per request
  (GetRecords by Lambda's event source mapping neither): the shard-hour is the fixed cost.
- S3: PUT, COPY, POST and LIST requests at one price, GET and the others at a lower one; DELETE
  is free.
- Step Functions: StartExecution of a standard state machine is billed by its state transitions
  (counted from the execution's history, see measure.py); an express one per request + GB-s.
- EventBridge: PutEvents, per entry (64 KB chunks). Scheduler: per schedule fired (counted by
  the compute plane's schedule source).
- API Gateway management API (PostToConnection): a WebSocket message, per 32 KB.
- Control-plane calls (describe, list, create...) and Lambda's own Invoke API are not billed
  (the invocation is, counted by the executor).
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

SQS_CHUNK = 64 * 1024
KINESIS_CHUNK = 25 * 1024
WEBSOCKET_CHUNK = 32 * 1024
S3_FREE = frozenset({"DeleteObject", "DeleteObjects"})
S3_TIER1_PREFIXES = ("Put", "Copy", "Post", "List", "Create", "UploadPart", "CompleteMultipartUpload")


def chunks(size: int, chunk: int) -> int:
    return max(1, math.ceil(size / chunk))


def body_bytes(request: Any) -> bytes:
    body = getattr(request, "body", None)
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return b""


def json_body(data: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(data) if data else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def sqs_metrics(operation: str, request: Any, answer: bytes | None) -> dict[str, float]:
    data = body_bytes(request)
    body = json_body(data)
    fifo = str(body.get("QueueUrl", "")).endswith(".fifo") or b".fifo" in data[:2048]
    if operation == "ReceiveMessage" and answer is not None and not _received_any(answer):
        return {"sqs/empty_receives": 1.0}
    if operation == "SendMessageBatch":
        entries = body.get("Entries", [])
        units = sum(chunks(len(str(e.get("MessageBody", "")).encode()), SQS_CHUNK) for e in entries) or 1
    else:
        units = chunks(len(data), SQS_CHUNK)
    return {"sqs/fifo_requests" if fifo else "sqs/requests": float(units)}


def _received_any(answer: bytes) -> bool:
    parsed = json_body(answer)
    if parsed:
        return bool(parsed.get("Messages"))
    return b"<Message>" in answer  # the query protocol's XML


def metrics_for(service: str, operation: str, request: Any, answer: bytes | None = None) -> dict[str, float]:
    """The billable quantities of one request (DynamoDB's units are counted in hooks.py)."""
    if service == "sqs":
        return sqs_metrics(operation, request, answer)
    if service == "sns":
        if operation == "Publish":
            return {"sns/requests": float(chunks(len(body_bytes(request)), SQS_CHUNK))}
        if operation == "PublishBatch":
            entries = json_body(body_bytes(request)).get("PublishBatchRequestEntries", [])
            return {"sns/requests": float(max(1, len(entries)))}
        return {}
    if service == "kinesis":
        body = json_body(body_bytes(request))
        if operation == "PutRecord":
            return {"kinesis/put_payload_units": float(chunks(_record_bytes(body), KINESIS_CHUNK))}
        if operation == "PutRecords":
            return {"kinesis/put_payload_units": float(sum(chunks(_record_bytes(r), KINESIS_CHUNK)
                                                           for r in body.get("Records", [])))}
        return {}
    if service == "s3":
        if operation in S3_FREE:
            return {}
        tier1 = operation.startswith(S3_TIER1_PREFIXES)
        return {"s3/tier1_requests" if tier1 else "s3/tier2_requests": 1.0}
    if service == "eventbridge" and operation == "PutEvents":
        entries = json_body(body_bytes(request)).get("Entries", [])
        return {"eventbridge/events": float(sum(chunks(len(json.dumps(e).encode()), SQS_CHUNK) for e in entries))}
    if service == "apigatewaymanagementapi" and operation == "PostToConnection":
        return {"apigateway/websocket_messages": float(chunks(len(body_bytes(request)), WEBSOCKET_CHUNK))}
    return {}


def _record_bytes(record: dict[str, Any]) -> int:
    data = record.get("Data", "")
    try:
        payload = base64.b64decode(data) if isinstance(data, str) else bytes(data)
    except ValueError:
        payload = str(data).encode()
    return len(payload) + len(str(record.get("PartitionKey", "")).encode())
