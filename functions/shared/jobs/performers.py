"""Performers: one class per job type, ``perform(payload)`` does the work.

    class Resize(Performer):
        job_type = "resize"                      # default: the class name
        def perform(self, payload): ...          # return value is the job's result (JSON)
        def on_success(self, job): ...           # optional hooks, after the status is written:
        def on_failure(self, job, final): ...    # job has its attempts with times and errors

A new instance runs each attempt; ``self.job`` is the job record (id, attempt, attempts so far).
"""

from __future__ import annotations

from typing import Any, ClassVar

from jobs.records import Job


class Performer:
    job_type: ClassVar[str] = ""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.attempt = job.get("attempt", 1)

    @classmethod
    def type_name(cls) -> str:
        return cls.job_type or cls.__name__

    def perform(self, payload: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.perform(payload)")

    def on_success(self, job: Job) -> None:
        """Called once the job is COMPLETED (``job["result"]``, ``job["attempts"]``)."""

    def on_failure(self, job: Job, final: bool) -> None:
        """Called after a failed attempt: ``final`` when the job is FAILED, else a retry is due."""
