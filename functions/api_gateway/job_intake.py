"""Drains the jobs queue API Gateway writes to: each job is recorded in the jobs table, once
(a redelivered message finds its record and is not counted twice); a body that is not a JSON
object is reported as a batch item failure, so SQS retries it and then moves it to the DLQ."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from aws_runtime import client


def record_job(record: SQSRecord) -> None:
    job = json.loads(record.body)
    if not isinstance(job, dict):
        raise ValueError(f"message {record.message_id}: a job is a JSON object, not {type(job).__name__}")
    ddb = client("dynamodb")
    try:
        ddb.put_item(TableName=os.environ["JOBS_TABLE"], Item={
            "id": {"S": record.message_id}, "job": {"S": json.dumps(job, sort_keys=True)},
            "processedAt": {"S": datetime.now(timezone.utc).isoformat(timespec="seconds")}},
            ConditionExpression="attribute_not_exists(id)")
    except ddb.exceptions.ConditionalCheckFailedException:
        pass  # a redelivery of a job already recorded


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=record_job, processor=processor, context=context)
