"""An asynchronous job system on SQS and DynamoDB for Lambda handlers: ``enqueue`` a job by type,
a performer class per type runs it, every status change is a compare-and-swap in DynamoDB.
See README.md next to this file."""

from __future__ import annotations

from jobs.delivery import Retry
from jobs.errors import (ConfigurationError, InvalidJobError, JobError, JobNotFoundError, JobStateError,
                         PayloadTooLargeError, UnknownJobTypeError)
from jobs.maintenance import all_stats, ensure_armed, recover, scheduled_handler, stats, sweep
from jobs.performers import Performer
from jobs.queue import JobQueue
from jobs.records import CANCELLED, COMPLETED, FAILED, PENDING, RETRY_PENDING, RUNNING, STATUSES, Job

__all__ = ["CANCELLED", "COMPLETED", "ConfigurationError", "FAILED", "InvalidJobError", "Job", "JobError",
           "JobNotFoundError", "JobQueue", "JobStateError", "PENDING", "PayloadTooLargeError", "Performer",
           "RETRY_PENDING", "RUNNING", "Retry", "STATUSES", "UnknownJobTypeError", "all_stats", "ensure_armed",
           "recover", "scheduled_handler", "stats", "sweep"]
