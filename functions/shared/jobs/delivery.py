"""Getting a job's attempt to a consumer: an SQS message ``{"jobId", "attempt"}``, delayed with
SQS's ``DelaySeconds`` up to its 15-minute limit, beyond that a one-time EventBridge Scheduler
schedule (``at(...)``, deleted after it fires) that invokes the redelivery function, which sends
the message when it is due.

A message is only a wake-up call: the job record in DynamoDB says what runs. A lost message is
found by ``recover``; a duplicate one is refused by the consumer's conditional write.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from typing import Any, Callable

from jobs.errors import ConfigurationError, InvalidJobError

SQS_MAX_DELAY = 900
REDELIVER_KEY = "job_queue_redeliver"


@dataclass(frozen=True)
class Retry:
    """Backoff between attempts: ``fixed`` waits ``base`` seconds each time, ``exponential`` waits
    ``base * 2**(n-1)`` after the n-th failed attempt (capped at ``cap``)."""

    kind: str = "exponential"
    base: float = 30.0
    cap: float = 86_400.0

    def __post_init__(self) -> None:
        if self.kind not in ("fixed", "exponential"):
            raise InvalidJobError(f"retry kind is 'fixed' or 'exponential', not {self.kind!r}")
        if not 0 <= self.base <= self.cap:
            raise InvalidJobError(f"retry base delay must be between 0 and {self.cap:.0f} s, not {self.base}")

    def delay(self, failed_attempt: int) -> float:
        if self.kind == "fixed":
            return self.base
        return min(self.cap, self.base * 2 ** (failed_attempt - 1))


def at_expression(when: float) -> str:
    """Scheduler's one-time expression, UTC, for the first whole second at or after ``when``."""
    return time.strftime("at(%Y-%m-%dT%H:%M:%S)", time.gmtime(math.ceil(when)))


@dataclass
class Delivery:
    queue_url: str
    sqs: Callable[[], Any]
    scheduler: Callable[[], Any]
    redeliver_function: str = ""
    scheduler_role: str = ""
    schedule_group: str = "default"

    @classmethod
    def from_environment(cls, sqs: Callable[[], Any], scheduler: Callable[[], Any]) -> "Delivery":
        queue_url = os.environ.get("JOBS_QUEUE_URL", "")
        if not queue_url:
            raise ConfigurationError("the jobs library needs JOBS_QUEUE_URL (the job queue's URL)")
        return cls(queue_url, sqs, scheduler, os.environ.get("JOBS_REDELIVER_FUNCTION", ""),
                   os.environ.get("JOBS_SCHEDULER_ROLE", ""), os.environ.get("JOBS_SCHEDULE_GROUP", "default"))

    def send(self, job_id: str, attempt: int, delay: float = 0.0, *, now: float = 0.0) -> str:
        """Deliver attempt ``attempt`` of the job ``delay`` seconds from now: 'sqs' or 'scheduler'."""
        if delay <= SQS_MAX_DELAY:
            self.sqs().send_message(QueueUrl=self.queue_url, MessageBody=json.dumps({"jobId": job_id, "attempt": attempt}),
                                    DelaySeconds=max(0, math.ceil(delay)))
            return "sqs"
        self.schedule(job_id, attempt, now + delay)
        return "scheduler"

    def send_many(self, job_ids: list[str], attempt: int, delay: float = 0.0, *, now: float = 0.0) -> None:
        """The same attempt of many jobs, 10 to a ``SendMessageBatch`` (beyond 15 minutes, a schedule each)."""
        if delay > SQS_MAX_DELAY:
            for job_id in job_ids:
                self.schedule(job_id, attempt, now + delay)
            return
        for start in range(0, len(job_ids), 10):
            entries = [{"Id": str(i), "MessageBody": json.dumps({"jobId": job_id, "attempt": attempt}),
                        "DelaySeconds": max(0, math.ceil(delay))} for i, job_id in enumerate(job_ids[start:start + 10])]
            failed = self.sqs().send_message_batch(QueueUrl=self.queue_url, Entries=entries).get("Failed") or []
            for entry in failed:  # sent one by one; an error here propagates (recover resends later)
                self.send(job_ids[start + int(entry["Id"])], attempt, delay, now=now)

    def schedule(self, job_id: str, attempt: int, when: float) -> None:
        if not self.redeliver_function or not self.scheduler_role:
            raise ConfigurationError("delays beyond 15 minutes need JOBS_REDELIVER_FUNCTION (the function the "
                                     "schedule invokes) and JOBS_SCHEDULER_ROLE (the role Scheduler assumes)")
        self.scheduler().create_schedule(
            Name=f"job-{job_id}-{attempt}", GroupName=self.schedule_group, ScheduleExpression=at_expression(when),
            ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
            Target={"Arn": self.redeliver_function, "RoleArn": self.scheduler_role,
                    "Input": json.dumps({REDELIVER_KEY: {"jobId": job_id, "attempt": attempt}}),
                    "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 86_400}})
