"""Keeping the job table healthy: ``recover`` (jobs stuck past their time), ``sweep`` (finished
jobs past the retention), ``stats`` per job type, and the scheduled function's handler that runs
them (and redelivers attempts delayed beyond SQS's 15 minutes).

recover:
- RUNNING past its ``timeout`` (the consumer crashed or timed out): the attempt is failed
  with a conditional write ("lost") and retried with backoff, or the job is FAILED after the last;
- PENDING / RETRY_PENDING whose ``runAt`` is more than the grace past (the message was lost, the
  send after the status write never happened): the attempt's message is sent again, once per
  grace period (a conditional touch of ``updatedAt`` decides which recover run sends it).
A message sent twice is harmless: the consumer's claim lets one delivery through.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from typing import Any

from jobs import consumer
from jobs.delivery import REDELIVER_KEY, at_expression
from jobs.queue import JobQueue
from jobs.records import FINISHED, PENDING, RETRY_PENDING, RUNNING

MAINTAIN_KEY = "job_queue_maintain"
logger = logging.getLogger("jobs")


def recover(queue: JobQueue) -> dict[str, int]:
    now = queue.now()
    counts = {"lost_attempts": 0, "resent": 0}
    for job in list(queue.table.all(status=RUNNING)):
        if job["updatedAt"] + job["timeout"] < now:
            outcome = consumer.fail(queue, job, f"lost: no outcome within the timeout of {job['timeout']:.0f} s "
                                               f"(the consumer crashed or timed out)", now)
            counts["lost_attempts"] += outcome != "late"
    for status in (PENDING, RETRY_PENDING):
        for job in list(queue.table.all(status=status, before=now - queue.recover_grace)):
            if job["runAt"] + queue.recover_grace >= now:
                continue
            touched, _ = queue.table.change(job["jobId"], "SET updatedAt = :now",
                                            "#s = :s AND attempt = :a AND updatedAt = :seen",
                                            now=now, s=status, a=job["attempt"], seen=job["updatedAt"])
            if touched is not None:
                queue.delivery.send(job["jobId"], job["attempt"] + 1, 0.0, now=now)
                counts["resent"] += 1
    if any(counts.values()):
        logger.warning("recover: %s", counts)
    return counts


def sweep(queue: JobQueue, older_than: float | None = None) -> int:
    """Delete finished jobs (COMPLETED, FAILED, CANCELLED) last changed more than ``older_than``
    seconds ago (default: the retention). DynamoDB's TTL on ``expiresAt`` does the same on AWS,
    within days; the sweep makes it exact."""
    cutoff = queue.now() - (queue.retention if older_than is None else older_than)
    removed = 0
    for status in FINISHED:
        for job in list(queue.table.all(status=status, before=cutoff)):
            removed += queue.table.delete(job, "#s = :s", s=status)
    return removed


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


def stats(queue: JobQueue, job_type: str) -> dict[str, Any]:
    """Counts by status, failure rates and run-time percentiles of the type's retained jobs."""
    counts = {status: 0 for status in ("PENDING", "RUNNING", "RETRY_PENDING", "COMPLETED", "FAILED", "CANCELLED")}
    durations: list[float] = []
    attempts = failed_attempts = 0
    for job in queue.table.all(job_type=job_type):
        counts[job["status"]] = counts.get(job["status"], 0) + 1
        if job["status"] == "COMPLETED" and "duration" in job:
            durations.append(float(job["duration"]))
        ended = [a for a in job["attempts"] if "endedAt" in a]
        attempts += len(ended)
        failed_attempts += sum(1 for a in ended if "error" in a)
    durations.sort()
    finished = counts["COMPLETED"] + counts["FAILED"]
    return {"type": job_type, "counts": counts, "total": sum(counts.values()),
            "failureRate": counts["FAILED"] / finished if finished else 0.0,
            "attemptFailureRate": failed_attempts / attempts if attempts else 0.0,
            "p50Seconds": percentile(durations, 0.50), "p99Seconds": percentile(durations, 0.99)}


def all_stats(queue: JobQueue) -> list[dict[str, Any]]:
    return [stats(queue, job_type) for job_type in sorted(queue.performers)]


# -- the scheduled function ------------------------------------------------------------------------
def _chain_prefix(queue: JobQueue) -> str:
    return "jobs-maintain-" + hashlib.sha256(queue.table.name.encode()).hexdigest()[:16]


def arm(queue: JobQueue, interval: float) -> bool:
    """Schedule the next maintenance run at the next multiple of ``interval`` (so every chain of
    one table converges on the same schedule name); False if one is already armed then."""
    delivery = queue.delivery
    due = (math.floor(queue.now() / interval) + 1) * interval
    scheduler = delivery.scheduler()
    try:
        scheduler.create_schedule(
            Name=f"{_chain_prefix(queue)}-{int(due)}", GroupName=delivery.schedule_group,
            ScheduleExpression=at_expression(due), ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            Target={"Arn": delivery.redeliver_function, "RoleArn": delivery.scheduler_role,
                    "Input": f'{{"{MAINTAIN_KEY}": {{"interval": {interval}}}}}'})
    except scheduler.exceptions.ConflictException:
        return False
    return True


def ensure_armed(queue: JobQueue, interval: float | None = None) -> bool:
    """Start the maintenance chain (every ``interval`` s, default JOBS_MAINTENANCE_SECONDS; 0: none)
    unless a run is already scheduled. The API calls this once per Lambda environment, so a chain
    broken by an outage starts again with the next request."""
    if interval is None:
        interval = float(os.environ.get("JOBS_MAINTENANCE_SECONDS", 0) or 0)
    if interval <= 0:
        return False
    scheduler = queue.delivery.scheduler()
    armed = scheduler.list_schedules(NamePrefix=_chain_prefix(queue), MaxResults=1).get("Schedules")
    return False if armed else arm(queue, interval)


def scheduled_handler(queue: JobQueue) -> Any:
    """The handler EventBridge Scheduler invokes: an attempt due after a long delay
    (``{"job_queue_redeliver": {"jobId", "attempt"}}``) is sent to the queue; a maintenance run
    (``{"job_queue_maintain": {"interval"}}``, or ``{"job_queue_maintain": {}}`` by hand) arms the
    next one, then recovers and sweeps."""

    def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        if isinstance(event, dict) and isinstance(event.get(REDELIVER_KEY), dict):
            due = event[REDELIVER_KEY]
            queue.delivery.send(str(due["jobId"]), int(due["attempt"]), 0.0, now=queue.now())
            return {"redelivered": due}
        if isinstance(event, dict) and isinstance(event.get(MAINTAIN_KEY), dict):
            interval = float(event[MAINTAIN_KEY].get("interval") or 0)
            if interval > 0:
                arm(queue, interval)
            return {"recovered": recover(queue), "swept": sweep(queue)}
        raise ValueError(f"not a job queue schedule event: {str(event)[:200]}")

    return handler

