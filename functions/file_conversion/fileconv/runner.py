"""The batch loop: SQS batch -> S3 objects -> conversion -> output bucket.

Rejections (``ConversionRejected``) are recorded and acknowledged; anything else
propagates out of the record handler, so Powertools reports that message in
``batchItemFailures`` and SQS redelivers it (then moves it to the DLQ).
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from fileconv import failures, keys, limits, messages, storage
from fileconv.config import Settings
from fileconv.conversion import Conversion, ObjectRef
from fileconv.errors import ConversionRejected
from fileconv.log import logger


def run_batch(
    event: dict[str, Any], context: Any, conversion: Conversion, *, s3_client: Any | None = None
) -> dict[str, Any]:
    """Run ``conversion`` over an SQS batch; ``s3_client`` is injectable (default: ``boto3.client("s3")``)."""
    settings = Settings.from_env()  # a configuration error fails the invocation, before any message
    s3 = s3_client if s3_client is not None else boto3.client("s3")
    # With ReportBatchItemFailures, an all-failed batch is reported item by item, not raised.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record: SQSRecord) -> None:
        try:
            for ref in messages.object_refs(record):
                process_object(ref, record.message_id, conversion, settings, s3)
        except Exception:
            logger.exception(f"{conversion.name}: message {record.message_id} failed; it will be retried")
            raise

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)  # {"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}


def process_object(ref: ObjectRef, message_id: str, conversion: Conversion, settings: Settings, s3: Any) -> str | None:
    """Convert one object; return the output key, or None when rejected or skipped."""
    if ref.bucket == settings.output_bucket:
        logger.warning(
            f"{conversion.name}: event for the output bucket ignored (conversion loop guard)",
            extra={"bucket": ref.bucket, "key": ref.key, "message_id": message_id},
        )
        return None
    try:
        output_key = convert_and_store(ref, conversion, settings, s3)
    except ConversionRejected as exc:
        failures.record_rejection(s3, settings.output_bucket, conversion.name, ref, message_id, exc)
        return None
    logger.info(
        f"{conversion.name}: converted s3://{ref.bucket}/{ref.key}",
        extra={
            "conversion": conversion.name,
            "bucket": ref.bucket,
            "key": ref.key,
            "output_bucket": settings.output_bucket,
            "output_key": output_key,
            "message_id": message_id,
        },
    )
    return output_key


def convert_and_store(ref: ObjectRef, conversion: Conversion, settings: Settings, s3: Any) -> str:
    keys.check_input_key(ref.key)
    limits.check_input_size(ref.size, settings.max_input_bytes)  # from the event: no download
    source = storage.fetch(s3, ref, settings.max_input_bytes)
    result = conversion.convert(source, settings)
    output_key = keys.output_key(conversion.output_prefix, result.relative_key)
    metadata = {"conversion": conversion.name, "source-bucket": ref.bucket, "source-key": ref.key}
    storage.put(s3, settings.output_bucket, output_key, result.body, result.content_type, metadata)
    return output_key
