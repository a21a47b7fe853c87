"""The job record: its statuses, its shape as callers see it, and DynamoDB's attribute values.

Table layout (``pk`` string hash key only):
- a job: ``pk`` = its id (32 hex digits); ``status``, ``jobType``, ``payload`` (JSON text),
  ``attempt`` (attempts started), ``maxAttempts``, ``retryKind``/``retryBase``, ``timeout``,
  ``createdAt``/``updatedAt``/``runAt``/``deadline`` (epoch seconds), ``attempts`` (a map
  ``"<n>" -> {startedAt, endedAt, duration, error}``), ``result`` (JSON text), ``error``,
  ``duration`` (the successful attempt's run time), ``dedupKey``, ``exclusiveKey``, ``expiresAt``
  (TTL of a finished job);
- ``dedup#<key>`` -> ``jobId``: the first job enqueued with that deduplication key;
- ``lock#<key>`` -> ``jobId``, ``attempt``, ``until``: the exclusive job running under that key.
Indexes: ``byStatus`` (status, updatedAt) and ``byType`` (jobType, createdAt), both projecting all.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, TypedDict

PENDING, RUNNING, COMPLETED = "PENDING", "RUNNING", "COMPLETED"
RETRY_PENDING, FAILED, CANCELLED = "RETRY_PENDING", "FAILED", "CANCELLED"
STATUSES = (PENDING, RUNNING, COMPLETED, RETRY_PENDING, FAILED, CANCELLED)
FINISHED = (COMPLETED, FAILED, CANCELLED)
WAITING = (PENDING, RETRY_PENDING)
BY_STATUS, BY_TYPE = "byStatus", "byType"


class Attempt(TypedDict, total=False):
    n: int
    startedAt: float
    endedAt: float
    duration: float
    error: str


class Job(TypedDict, total=False):
    jobId: str
    type: str
    status: str
    payload: Any
    attempt: int
    maxAttempts: int
    retry: dict[str, Any]
    timeout: float
    createdAt: float
    updatedAt: float
    runAt: float
    result: Any
    error: str
    duration: float
    dedupKey: str
    exclusiveKey: str
    attempts: list[Attempt]


def to_av(value: Any) -> dict[str, Any]:
    """A Python value as a DynamoDB attribute value (numbers as text, as the wire wants them)."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float, Decimal)):
        return {"N": repr(round(value, 6)) if isinstance(value, float) else str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, dict):
        return {"M": {k: to_av(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [to_av(v) for v in value]}
    if value is None:
        return {"NULL": True}
    raise TypeError(f"cannot store {type(value).__name__} in a job record")


def from_av(value: dict[str, Any]) -> Any:
    kind, data = next(iter(value.items()))
    if kind == "N":
        number = float(data)
        return int(number) if number.is_integer() and "." not in data else number
    if kind == "M":
        return {k: from_av(v) for k, v in data.items()}
    if kind == "L":
        return [from_av(v) for v in data]
    if kind == "NULL":
        return None
    return data


def values(**named: Any) -> dict[str, dict[str, Any]]:
    """ExpressionAttributeValues from keyword arguments: ``values(s=RUNNING)`` -> ``{":s": ...}``."""
    return {f":{name}": to_av(value) for name, value in named.items()}


def job_from_item(item: dict[str, Any]) -> Job:
    raw = {k: from_av(v) for k, v in item.items()}
    attempts = raw.get("attempts") or {}
    job: Job = {"jobId": raw["pk"], "type": raw.get("jobType", ""), "status": raw.get("status", ""),
                "payload": json.loads(raw.get("payload") or "null"), "attempt": raw.get("attempt", 0),
                "maxAttempts": raw.get("maxAttempts", 1), "timeout": raw.get("timeout", 0),
                "retry": {"kind": raw.get("retryKind", "fixed"), "base": raw.get("retryBase", 0)},
                "createdAt": raw.get("createdAt", 0), "updatedAt": raw.get("updatedAt", 0),
                "runAt": raw.get("runAt", 0),
                "attempts": [dict(attempts[k], n=int(k)) for k in sorted(attempts, key=int)]}  # type: ignore[misc]
    for name in ("error", "duration", "dedupKey", "exclusiveKey"):
        if name in raw:
            job[name] = raw[name]  # type: ignore[literal-required]
    if "result" in raw:
        job["result"] = json.loads(raw["result"])
    return job
