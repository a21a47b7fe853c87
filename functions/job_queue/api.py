"""The job queue's REST API and its dashboard page.

POST /jobs {"type", "payload", "dedupKey"?, "delaySeconds"?, "maxAttempts"?, "timeoutSeconds"?,
"exclusiveKey"?} -> 202 {"jobId"}; GET /jobs?status=&type=&limit=&next= -> {"jobs", "next"};
GET /jobs/{id}; POST /jobs/{id}/cancel; POST /jobs/{id}/retry; DELETE /jobs/{id}; GET /stats;
GET / the dashboard. Bad input is a 400 (413 for an oversized payload) saying why; nothing is
enqueued then.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from demo_jobs import queue
from jobs import (STATUSES, InvalidJobError, JobNotFoundError, JobStateError, PayloadTooLargeError, all_stats,
                  ensure_armed)

PAGE = Path(__file__).with_name("dashboard.html").read_text(encoding="utf-8")
MAX_BODY_BYTES = 1024 * 1024
FIELDS = {"type", "payload", "dedupKey", "delaySeconds", "maxAttempts", "timeoutSeconds", "exclusiveKey"}
logger = logging.getLogger("jobs.api")
_armed: dict[str, bool] = {}


def _json(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def _enqueue(raw: str | None) -> dict[str, Any]:
    if raw is not None and len(raw.encode()) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw or "")
    except ValueError as exc:
        raise InvalidJobError(f"the body is not JSON: {exc}") from exc
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise InvalidJobError('the body is a JSON object with "type" (a job type) and "payload"')
    extra = set(body) - FIELDS
    if extra:
        raise InvalidJobError(f"unknown fields {sorted(extra)}; known: {sorted(FIELDS)}")
    numbers = {name: body.get(name) for name in ("delaySeconds", "maxAttempts", "timeoutSeconds")}
    for name, value in numbers.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise InvalidJobError(f"{name} is a number, not {value!r}")
    job_id = queue.enqueue(body["type"], body.get("payload"), dedup_key=body.get("dedupKey"),
                           delay=numbers["delaySeconds"], max_attempts=numbers["maxAttempts"],
                           timeout=numbers["timeoutSeconds"], exclusive_key=body.get("exclusiveKey"))
    return _json(202, {"jobId": job_id})


def _list(query: dict[str, str]) -> dict[str, Any]:
    status = query.get("status") or None
    if status is not None and status not in STATUSES:
        raise InvalidJobError(f"status is one of {list(STATUSES)}, not {status!r}")
    try:
        limit = int(query.get("limit") or 50)
    except ValueError as exc:
        raise InvalidJobError(f"limit is a whole number, not {query.get('limit')!r}") from exc
    if not 1 <= limit <= 200:
        raise InvalidJobError("limit is 1 to 200")
    jobs, token = queue.list(status=status, job_type=query.get("type") or None, limit=limit, token=query.get("next"))
    return _json(200, {"jobs": jobs, "next": token})


def _route(event: dict[str, Any]) -> dict[str, Any]:
    method, resource = event.get("httpMethod"), event.get("resource")
    job_id = (event.get("pathParameters") or {}).get("id", "")
    if method == "GET" and resource == "/":
        return {"statusCode": 200, "headers": {"Content-Type": "text/html; charset=utf-8"}, "body": PAGE}
    if method == "POST" and resource == "/jobs":
        return _enqueue(event.get("body"))
    if method == "GET" and resource == "/jobs":
        return _list(event.get("queryStringParameters") or {})
    if method == "GET" and resource == "/jobs/{id}":
        return _json(200, queue.get(job_id))
    if method == "POST" and resource == "/jobs/{id}/cancel":
        return _json(200, queue.cancel(job_id))
    if method == "POST" and resource == "/jobs/{id}/retry":
        return _json(200, queue.retry_now(job_id))
    if method == "DELETE" and resource == "/jobs/{id}":
        queue.delete(job_id)
        return {"statusCode": 204, "body": ""}
    if method == "GET" and resource == "/stats":
        return _json(200, {"types": all_stats(queue)})
    return _json(404, {"error": f"no route {method} {resource}"})


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _start_maintenance()
    try:
        return _route(event)
    except PayloadTooLargeError as exc:
        return _json(413, {"error": str(exc)})
    except InvalidJobError as exc:
        return _json(400, {"error": str(exc)})
    except JobNotFoundError as exc:
        return _json(404, {"error": str(exc)})
    except JobStateError as exc:
        return _json(409, {"error": str(exc)})


def _start_maintenance() -> None:
    """Once per Lambda environment and table: make sure the maintenance chain is armed."""
    table = queue.table.name
    if _armed.get(table):
        return
    _armed[table] = True
    try:
        ensure_armed(queue)
    except Exception as exc:  # noqa: BLE001 - the API works without it; recover can be invoked by hand
        logger.warning("could not arm the maintenance schedule (recover and sweep run only when invoked): %s", exc)
