"""The job queue's consumer: the SQS event source mapping's handler (ReportBatchItemFailures)."""

from __future__ import annotations

from demo_jobs import queue

handler = queue.consumer_handler
