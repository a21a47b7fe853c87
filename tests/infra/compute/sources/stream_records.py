"""Reading what the stream consumer saw (stream_log) and what reached the failure queue."""

from __future__ import annotations

import base64
import json
from typing import Any

import stream_log

from infra.cloud import Cloud


def events(function: str) -> list[dict[str, Any]]:
    """Every event the function got, oldest first."""
    return list(stream_log.events[function])


def bodies(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON bodies of a Kinesis event's records."""
    return [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]


def numbers(function: str) -> list[list[int]]:
    """The ``n`` of every record, batch by batch (empty events left out)."""
    return [[b["n"] for b in bodies(e)] for e in events(function) if e["Records"]]


def failure_records(cloud: Cloud, queue_url: str) -> list[dict[str, Any]]:
    sqs = cloud.client("sqs")
    found = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
