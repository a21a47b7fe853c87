"""The job queue: ``enqueue`` (or ``perform_now``), the consumer's handler, and the operations on
jobs (get, list, cancel, retry-now, delete); maintenance and stats are in maintenance.py.

    queue = JobQueue(performers=[Echo, Resize])      # table, queue URL... from the environment
    job_id = queue.enqueue("resize", {"key": "cat.png"}, max_attempts=5, retry=Retry("exponential", 30))
    consumer = queue.consumer_handler                 # the SQS-triggered Lambda's handler
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from typing import Any, Callable, Iterable

import aws_runtime

from jobs import consumer
from jobs.delivery import Delivery, Retry
from jobs.errors import (ConfigurationError, InvalidJobError, JobNotFoundError, JobStateError, PayloadTooLargeError,
                         UnknownJobTypeError)
from jobs.performers import Performer
from jobs.records import CANCELLED, FAILED, PENDING, RETRY_PENDING, RUNNING, Job
from jobs.table import JobTable

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_KEY_LENGTH = 512
SETTINGS: dict[str, tuple[str, Any]] = {
    "retention": ("JOBS_RETENTION_SECONDS", 7 * 86_400.0), "recover_grace": ("JOBS_RECOVER_GRACE_SECONDS", 300.0),
    "max_attempts": ("JOBS_MAX_ATTEMPTS", 3), "timeout": ("JOBS_TIMEOUT_SECONDS", 300.0),
    "retry_kind": ("JOBS_RETRY_KIND", "exponential"), "retry_base": ("JOBS_RETRY_BASE_SECONDS", 30.0)}
logger = logging.getLogger("jobs")


class JobQueue:
    def __init__(self, performers: Iterable[type[Performer]] = (), *, table: str | None = None,
                 delivery: Delivery | None = None, clients: Callable[[str], Any] | None = None,
                 clock: Any = None, max_payload_bytes: int = MAX_PAYLOAD_BYTES, **settings: Any) -> None:
        """``settings`` override what is otherwise read from the environment at call time:
        ``retention`` (JOBS_RETENTION_SECONDS, 7 days), ``recover_grace`` (JOBS_RECOVER_GRACE_SECONDS,
        300), ``max_attempts`` (JOBS_MAX_ATTEMPTS, 3), ``timeout`` (JOBS_TIMEOUT_SECONDS, 300),
        ``retry_kind`` / ``retry_base`` (JOBS_RETRY_KIND exponential, JOBS_RETRY_BASE_SECONDS 30)."""
        unknown = set(settings) - set(SETTINGS)
        if unknown:
            raise TypeError(f"unknown settings {sorted(unknown)}; known: {sorted(SETTINGS)}")
        self._clients = clients or aws_runtime.client
        self._table_name = table
        self._delivery = delivery
        self._settings = settings
        self.now: Callable[[], float] = clock.now if clock is not None else aws_runtime.now
        self.max_payload_bytes = max_payload_bytes
        self.performers: dict[str, type[Performer]] = {}
        for performer in performers:
            self.register(performer)

    def setting(self, name: str) -> Any:
        if name in self._settings:
            return self._settings[name]
        variable, default = SETTINGS[name]
        raw = os.environ.get(variable, "")
        return default if raw == "" else type(default)(raw)

    @property
    def retention(self) -> float:
        return float(self.setting("retention"))

    @property
    def recover_grace(self) -> float:
        return float(self.setting("recover_grace"))

    # -- wiring (built at call time: handlers import this module before their environment is set)
    @property
    def table(self) -> JobTable:
        name = self._table_name or os.environ.get("JOBS_TABLE", "")
        if not name:
            raise ConfigurationError("the jobs library needs JOBS_TABLE (the job table's name)")
        return JobTable(name, lambda: self._clients("dynamodb"))

    @property
    def delivery(self) -> Delivery:
        if self._delivery is not None:
            return self._delivery
        return Delivery.from_environment(lambda: self._clients("sqs"), lambda: self._clients("scheduler"))

    def register(self, performer: type[Performer]) -> type[Performer]:
        """Register a performer class under its ``job_type`` (usable as a class decorator)."""
        self.performers[performer.type_name()] = performer
        return performer

    def retry_of(self, job: Job) -> Retry:
        return Retry(job["retry"]["kind"], float(job["retry"]["base"]), cap=max(86_400.0, float(job["retry"]["base"])))

    # -- enqueue ----------------------------------------------------------------------------------
    def enqueue(self, job_type: str, payload: Any = None, *, delay: float | None = None,
                max_attempts: int | None = None, retry: Retry | None = None, timeout: float | None = None,
                dedup_key: str | None = None, exclusive_key: str | None = None) -> str:
        """Record the job PENDING and send its first attempt; the job's id. With ``dedup_key``, a key
        already used returns the first job's id and enqueues nothing."""
        job_id, existing = self._create(job_type, payload, delay, max_attempts, retry, timeout, dedup_key, exclusive_key)
        if existing is not None:
            return existing
        self.delivery.send(job_id, 1, delay or 0.0, now=self.now())
        return job_id

    def enqueue_many(self, job_type: str, payloads: Iterable[Any], *, delay: float | None = None,
                     max_attempts: int | None = None, retry: Retry | None = None,
                     timeout: float | None = None) -> list[str]:
        """Enqueue one job per payload with the same options: ``BatchWriteItem`` (25 a request)
        and ``SendMessageBatch`` (10 a request). Every payload is checked before anything is
        written; no dedup or exclusive keys here (a dedup key needs a conditional write each)."""
        now = self.now()
        items = [self._item(job_type, payload, delay, max_attempts, retry, timeout, None, None, now)
                 for payload in payloads]
        self.table.create_many(items)
        ids = [item["pk"] for item in items]
        self.delivery.send_many(ids, 1, delay or 0.0, now=now)
        return ids

    def perform_now(self, job_type: str, payload: Any = None, **options: Any) -> Job:
        """Record the job and run its first attempt here, now, through the same claim and outcome
        writes as the consumer; further attempts (if it fails) go through the queue. The job."""
        if options.get("delay"):
            raise InvalidJobError("perform_now runs at once: no delay")
        job_id, existing = self._create(job_type, payload, None, options.get("max_attempts"), options.get("retry"),
                                        options.get("timeout"), options.get("dedup_key"), options.get("exclusive_key"))
        if existing is None:
            consumer.run_attempt(self, consumer.Message(job_id, 1))
        return self.get(existing or job_id)

    def _create(self, job_type: str, payload: Any, delay: float | None, max_attempts: int | None,
                retry: Retry | None, timeout: float | None, dedup_key: str | None,
                exclusive_key: str | None) -> tuple[str, str | None]:
        item = self._item(job_type, payload, delay, max_attempts, retry, timeout, dedup_key, exclusive_key, self.now())
        return item["pk"], self.table.create(item, dedup_key)

    def _item(self, job_type: str, payload: Any, delay: float | None, max_attempts: int | None,
              retry: Retry | None, timeout: float | None, dedup_key: str | None, exclusive_key: str | None,
              now: float) -> dict[str, Any]:
        """A new job's item, after checking everything about it (InvalidJobError says what is wrong)."""
        if job_type not in self.performers:
            raise UnknownJobTypeError(f"unknown job type {job_type!r}; known: {sorted(self.performers)}")
        try:
            text = json.dumps(payload, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidJobError(f"the payload is not JSON: {exc}") from exc
        if len(text.encode()) > self.max_payload_bytes:
            raise PayloadTooLargeError(f"the payload is {len(text.encode())} bytes as JSON; the limit is "
                                       f"{self.max_payload_bytes}")
        attempts = self.setting("max_attempts") if max_attempts is None else max_attempts
        if not isinstance(attempts, int) or not 1 <= attempts <= 100:
            raise InvalidJobError(f"max_attempts is a whole number from 1 to 100, not {attempts!r}")
        for name, key in (("dedup_key", dedup_key), ("exclusive_key", exclusive_key)):
            if key is not None and (not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_LENGTH):
                raise InvalidJobError(f"{name} is a string of 1-{MAX_KEY_LENGTH} characters")
        if delay is not None and not 0 <= delay <= 365 * 86_400:
            raise InvalidJobError(f"delay is 0 to 365 days in seconds, not {delay!r}")
        run_timeout = self.setting("timeout") if timeout is None else timeout
        if not 0 < run_timeout <= 86_400:
            raise InvalidJobError(f"timeout is more than 0 and at most 86400 seconds, not {run_timeout!r}")
        policy = retry or Retry(self.setting("retry_kind"), float(self.setting("retry_base")))
        job_id = uuid.uuid4().hex
        item: dict[str, Any] = {
            "pk": job_id, "status": PENDING, "jobType": job_type, "payload": text, "attempt": 0,
            "maxAttempts": attempts, "retryKind": policy.kind, "retryBase": policy.base, "timeout": run_timeout,
            "createdAt": now, "updatedAt": now, "runAt": now + (delay or 0.0), "attempts": {}}
        if dedup_key is not None:
            item["dedupKey"] = dedup_key
        if exclusive_key is not None:
            item["exclusiveKey"] = exclusive_key
        return item

    # -- the consumer -----------------------------------------------------------------------------
    def consumer_handler(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """The SQS event source's handler (ReportBatchItemFailures): a job's own failure is recorded
        on the job; only a message that is not a job message or a failure to reach DynamoDB/SQS goes
        back to the queue (and after maxReceiveCount to its DLQ)."""
        failures = []
        for record in event.get("Records", []):
            try:
                outcome = consumer.run_attempt(self, consumer.Message.parse(record["body"]))
                logger.info("message %s: %s", record.get("messageId"), outcome)
            except Exception as exc:  # noqa: BLE001 - returned to the queue: retried, then its DLQ
                logger.error("message %s not processed, returned to the queue: %s", record.get("messageId"), exc)
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    # -- operations on jobs -----------------------------------------------------------------------
    def get(self, job_id: str) -> Job:
        job = self.table.get(job_id) if isinstance(job_id, str) and job_id.isalnum() else None
        if job is None:
            raise JobNotFoundError(f"no job {job_id!r}")
        return job

    def list(self, *, status: str | None = None, job_type: str | None = None, limit: int = 50,
             token: str | None = None) -> tuple[list[Job], str | None]:
        return self.table.page(status=status, job_type=job_type, limit=limit, token=token)

    def cancel(self, job_id: str) -> Job:
        """A waiting job (PENDING, RETRY_PENDING) becomes CANCELLED; its pending message finds it so."""
        now = self.now()
        job, seen = self.table.change(job_id, "SET #s = :cancelled, updatedAt = :now, expiresAt = :expires",
                                      "#s IN (:pending, :retry)", cancelled=CANCELLED, now=now,
                                      expires=now + self.retention, pending=PENDING, retry=RETRY_PENDING)
        return job or self._refuse(job_id, seen, "cancel", "PENDING or RETRY_PENDING")

    def retry_now(self, job_id: str) -> Job:
        """Run a FAILED, CANCELLED or RETRY_PENDING job again now (one more attempt if none is left)."""
        current = self.get(job_id)
        now = self.now()
        job, seen = self.table.change(
            job_id, "SET #s = :pending, updatedAt = :now, runAt = :now, maxAttempts = :max REMOVE expiresAt",
            "#s IN (:failed, :cancelled, :retry) AND attempt = :a", pending=PENDING, now=now,
            max=max(current["maxAttempts"], current["attempt"] + 1), failed=FAILED, cancelled=CANCELLED,
            retry=RETRY_PENDING, a=current["attempt"])
        if job is None:
            return self._refuse(job_id, seen, "retry", "FAILED, CANCELLED or RETRY_PENDING")
        self.delivery.send(job_id, job["attempt"] + 1, 0.0, now=now)
        return job

    def delete(self, job_id: str) -> None:
        """Remove a job that is not RUNNING (and free its deduplication key)."""
        job = self.get(job_id)
        if job["status"] == RUNNING or not self.table.delete(job, "#s <> :running", running=RUNNING):
            self._refuse(job_id, self.table.get(job_id), "delete", "anything but RUNNING")

    def _refuse(self, job_id: str, seen: Job | None, action: str, allowed: str) -> Job:
        if seen is None:
            raise JobNotFoundError(f"no job {job_id!r}")
        raise JobStateError(f"cannot {action} job {job_id}: it is {seen['status']} (allowed: {allowed})")

