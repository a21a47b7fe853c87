"""Typed errors of the jobs library; every one derives from JobError."""

from __future__ import annotations


class JobError(Exception):
    """Base class of every error the library raises on purpose."""


class InvalidJobError(JobError, ValueError):
    """An enqueue the library refuses before writing anything: unknown type, bad options, a payload
    that is not JSON or too large. Nothing was enqueued."""


class UnknownJobTypeError(InvalidJobError):
    """No performer is registered under this job type."""


class PayloadTooLargeError(InvalidJobError):
    """The payload, as JSON, exceeds the queue's limit."""


class JobNotFoundError(JobError, LookupError):
    """No job with this id (never enqueued, or deleted/swept)."""


class JobStateError(JobError):
    """The job's status does not allow this operation (cancel a finished job, delete a running one)."""


class ConfigurationError(JobError):
    """The environment lacks what the library needs (table name, queue URL, scheduler target)."""
