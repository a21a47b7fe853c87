"""Running one delivered attempt: claim it with a compare-and-swap, perform it, record the outcome
with another; a failed attempt is retried with backoff or, after the last, the job is FAILED.

Claim: ``status IN (PENDING, RETRY_PENDING) AND attempt = n-1 AND runAt <= now`` -> RUNNING,
attempt n (its timeout counts from ``updatedAt``). A second delivery of the same message (SQS is at-least-once)
or a racing consumer finds ``attempt = n`` and is refused: attempt n runs at most once.
Finish: ``status = RUNNING AND attempt = n`` -> COMPLETED | RETRY_PENDING | FAILED. A consumer that
outlived its timeout (``recover`` already failed the attempt) is refused: its result is dropped.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jobs.records import FAILED, RETRY_PENDING, RUNNING, Job

if TYPE_CHECKING:
    from jobs.queue import JobQueue

logger = logging.getLogger("jobs")
EARLY_TOLERANCE = 1.0  # SQS delays are whole seconds, rounded up
EXCLUSIVE_WAIT = 5.0  # an exclusive job whose key is busy is delivered again this much later


@dataclass(frozen=True)
class Message:
    """``{"jobId", "attempt"}``: a wake-up call for one attempt of one job."""

    job_id: str
    attempt: int

    @classmethod
    def parse(cls, body: str) -> "Message":
        data = json.loads(body)
        if not isinstance(data, dict) or not isinstance(data.get("jobId"), str) or not isinstance(data.get("attempt"), int):
            raise ValueError(f"not a job message: {body[:200]!r}")
        return cls(data["jobId"], data["attempt"])


def run_attempt(queue: "JobQueue", message: Message) -> str:
    """Run the attempt if it is still due: 'completed', 'retrying', 'failed', or why it did not run."""
    now = queue.now()
    job, seen = queue.table.change(
        message.job_id,
        "SET #s = :running, attempt = :a, updatedAt = :now, attempts.#n = :record",
        "#s IN (:pending, :retry) AND attempt = :prev AND runAt <= :due",
        running=RUNNING, a=message.attempt, now=now, pending="PENDING", retry=RETRY_PENDING,
        prev=message.attempt - 1, due=now + EARLY_TOLERANCE, n=message.attempt, record={"startedAt": now})
    if job is None:
        return _not_claimed(queue, message, seen, now)
    if job.get("exclusiveKey") and not queue.table.lock(job["exclusiveKey"], job["jobId"], job["attempt"],
                                                        now + job["timeout"], now):
        return _wait_for_key(queue, job, now)
    return perform(queue, job, now)


def _not_claimed(queue: "JobQueue", message: Message, seen: Job | None, now: float) -> str:
    if seen is None:
        return "gone"
    due = seen.get("runAt", 0)
    if seen["status"] in ("PENDING", RETRY_PENDING) and seen["attempt"] == message.attempt - 1 and due > now:
        queue.delivery.send(seen["jobId"], message.attempt, due - now, now=now)  # early: wait the rest
        return "early"
    logger.info("job %s attempt %d not run: the job is %s at attempt %d (a duplicate or stale delivery)",
                message.job_id, message.attempt, seen["status"], seen["attempt"])
    return "duplicate"


def _wait_for_key(queue: "JobQueue", job: Job, now: float) -> str:
    """The exclusive key is held by another running job: give the attempt back and try again later."""
    back, _ = queue.table.change(job["jobId"], "SET #s = :pending, attempt = :prev, updatedAt = :now REMOVE attempts.#n",
                                 "#s = :running AND attempt = :a", pending="PENDING", prev=job["attempt"] - 1,
                                 now=now, running=RUNNING, a=job["attempt"], n=job["attempt"])
    if back is not None:
        queue.delivery.send(job["jobId"], job["attempt"], EXCLUSIVE_WAIT, now=now)
    return "key busy"


def perform(queue: "JobQueue", job: Job, started: float) -> str:
    performer_class = queue.performers.get(job["type"])
    wall = time.perf_counter()
    try:
        if performer_class is None:
            raise LookupError(f"no performer for job type {job['type']!r} in this consumer")
        performer = performer_class(job)
        result = performer.perform(job["payload"])
        json.dumps(result)  # a result that cannot be stored is the attempt's failure
    except Exception as exc:  # noqa: BLE001 - the job's own failure: recorded, retried or FAILED
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("job %s (%s) attempt %d failed: %s\n%s", job["jobId"], job["type"], job["attempt"], error,
                       "".join(traceback.format_exception(exc)[-3:]))
        return fail(queue, job, error, queue.now(), started + (time.perf_counter() - wall))
    ended = queue.now()
    duration = max(ended - started, time.perf_counter() - wall)
    record = dict(_attempt_record(job), endedAt=ended, duration=duration)
    done, _ = queue.table.change(
        job["jobId"],
        "SET #s = :completed, updatedAt = :now, #r = :result, #d = :duration, expiresAt = :expires, attempts.#n = :record"
        + (" REMOVE #e" if "error" in job else ""),
        "#s = :running AND attempt = :a", completed="COMPLETED", now=ended, result=json.dumps(result),
        duration=duration, expires=ended + queue.retention, running=RUNNING, a=job["attempt"], n=job["attempt"],
        record=record, names={"#r": "result", "#d": "duration", **({"#e": "error"} if "error" in job else {})},
        returns=False)
    if done is not None:
        done = _after(job, status="COMPLETED", updatedAt=ended, result=result, duration=duration, record=record)
        done.pop("error", None)
    _release(queue, job)
    if done is None:
        logger.warning("job %s attempt %d finished after it was given up (past its timeout): result dropped",
                       job["jobId"], job["attempt"])
        return "late"
    _hook(performer_class, done, "on_success")
    return "completed"


def fail(queue: "JobQueue", job: Job, error: str, now: float, ended: float | None = None) -> str:
    """Record attempt ``job["attempt"]`` as failed: a retry after the backoff, or FAILED after the last."""
    attempt = job["attempt"]
    started = _attempt_record(job).get("startedAt", now)
    final = attempt >= job["maxAttempts"]
    delay = 0.0 if final else queue.retry_of(job).delay(attempt)
    status = FAILED if final else RETRY_PENDING
    record = dict(_attempt_record(job), endedAt=now, duration=max(0.0, (ended if ended is not None else now) - started),
                  error=error[:4000])
    changed, _ = queue.table.change(
        job["jobId"], "SET #s = :status, updatedAt = :now, runAt = :run, #e = :error, attempts.#n = :record"
        + (", expiresAt = :expires" if final else ""),
        "#s = :running AND attempt = :a", status=status, now=now, run=now + delay, error=record["error"],
        running=RUNNING, a=attempt, n=attempt, record=record, names={"#e": "error"}, returns=False,
        **({"expires": now + queue.retention} if final else {}))
    if changed is not None:
        changed = _after(job, status=status, updatedAt=now, runAt=now + delay, error=record["error"], record=record)
    _release(queue, job)
    if changed is None:
        return "late"
    if not final:
        queue.delivery.send(job["jobId"], attempt + 1, delay, now=now)
    _hook(queue.performers.get(job["type"]), changed, "on_failure", final)
    return "failed" if final else "retrying"


def _attempt_record(job: Job) -> dict[str, Any]:
    return next((dict(a) for a in job.get("attempts", []) if a.get("n") == job["attempt"]), {"n": job["attempt"]})


def _after(job: Job, record: dict[str, Any], **changes: Any) -> Job:
    """The job as the write just made it (without reading it back)."""
    attempts = [a for a in job.get("attempts", []) if a.get("n") != job["attempt"]] + [record]
    return {**job, **changes, "attempts": sorted(attempts, key=lambda a: a["n"])}  # type: ignore[typeddict-item]


def _release(queue: "JobQueue", job: Job) -> None:
    if job.get("exclusiveKey"):
        queue.table.unlock(job["exclusiveKey"], job["jobId"])


def _hook(performer_class: Any, job: Job, name: str, *args: Any) -> None:
    if performer_class is None:
        return
    try:
        getattr(performer_class(job), name)(job, *args)
    except Exception:  # noqa: BLE001 - a hook's failure never changes the job's outcome
        logger.exception("%s hook of job %s (%s) failed", name, job["jobId"], job["type"])
