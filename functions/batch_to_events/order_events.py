"""Way 3, event-driven: the Orders table's stream delivers each new order as it is written; each
one is added to its store's total in one transaction with a marker for the order (the stream is
at-least-once: a redelivered order adds nothing). A failing record is reported on its own
(ReportBatchItemFailures), so the others are not retried with it."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from daily_sales import RejectedOrder, add_to_totals, already_done, parse_order, record_once

logger = Logger(service="batch-to-events")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def apply(record: DynamoDBRecord) -> None:
    if record.raw_event.get("eventName") != "INSERT":
        return  # totals count orders once, when they are written
    image = record.dynamodb.new_image if record.dynamodb else {}
    try:
        order = parse_order(image)
        work = [record_once("events#applied", order.order_id, {"day": order.day}),
                *add_to_totals("events", {(order.day, order.store): (order.amount_cents, 1)})]
    except RejectedOrder as exc:
        key = str(image.get("order_id") or record.dynamodb.sequence_number)  # type: ignore[union-attr]
        logger.warning("rejected order", order=key, reason=str(exc))
        work = [record_once("events#rejected", key, {"reason": str(exc)})]
    try:
        boto3.client("dynamodb").transact_write_items(TransactItems=work)
    except ClientError as exc:
        if not already_done(exc):
            raise


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=apply, processor=processor, context=context)
