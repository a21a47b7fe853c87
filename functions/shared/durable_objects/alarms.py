"""Alarms: one per object, ``storage.set_alarm(t)``; ``alarm()`` runs at least once when due.

On AWS each object's alarm is a one-time EventBridge Scheduler schedule (``at(...)``, whole
seconds, rounded up; deleted after it fires) that invokes the alarm function asynchronously with
the object's namespace and id. The schedule is written before the commit that sets the alarm and
removed after the commit that deletes it, so a failure in between only causes a firing that finds
nothing due (a no-op) — never a lost alarm. The alarm function takes the object's lease like any
request and runs ``alarm()``; if ``alarm()`` raises, its writes are discarded and the alarm is set
again with exponential backoff (2, 4, 8, 16, 32, 64 s: six retries, like Durable Objects), after
which it is dropped. If the function itself fails (say the lease stays busy), Lambda's own
asynchronous retries deliver it again. Locally the toolkit's compute plane fires due schedules
off its clock (infra/compute/sources/scheduler.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from durable_objects import ids, runtime
from durable_objects.errors import DurableObjectError

RETRY_DELAYS = (2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
EVENT_KEY = "durable_object_alarm"
logger = logging.getLogger("durable_objects.alarms")


def at_expression(when: float) -> str:
    """EventBridge Scheduler's one-time expression for the first whole second at or after ``when``."""
    moment = datetime.fromtimestamp(math.ceil(when), tz=timezone.utc)
    return f"at({moment:%Y-%m-%dT%H:%M:%S})"


@dataclass
class SchedulerAlarms:
    target_arn: str
    role_arn: str
    group: str = "default"
    client: Any = None

    @classmethod
    def from_environment(cls) -> "SchedulerAlarms":
        target, role = os.environ.get("DURABLE_OBJECTS_ALARM_FUNCTION"), os.environ.get("DURABLE_OBJECTS_SCHEDULER_ROLE")
        if not target or not role:
            raise DurableObjectError("alarms need DURABLE_OBJECTS_ALARM_FUNCTION (the alarm function's ARN) and "
                                     "DURABLE_OBJECTS_SCHEDULER_ROLE (a role EventBridge Scheduler assumes)")
        return cls(target, role, os.environ.get("DURABLE_OBJECTS_SCHEDULE_GROUP", "default"))

    def _client(self) -> Any:
        return self.client if self.client is not None else runtime.client("scheduler")

    @staticmethod
    def schedule_name(namespace: Any, object_id: ids.ObjectId) -> str:
        digest = hashlib.sha256(f"{namespace.table}/{namespace.name}/{object_id.hex}".encode()).hexdigest()
        return f"do-alarm-{digest[:48]}"

    def schedule(self, namespace: Any, object_id: ids.ObjectId, when: float) -> None:
        scheduler = self._client()
        payload = {EVENT_KEY: {"namespace": namespace.name, "id": object_id.hex, "time": when}}
        kwargs = {"Name": self.schedule_name(namespace, object_id), "GroupName": self.group,
                  "ScheduleExpression": at_expression(when), "ScheduleExpressionTimezone": "UTC",
                  "FlexibleTimeWindow": {"Mode": "OFF"}, "ActionAfterCompletion": "DELETE",
                  "Target": {"Arn": self.target_arn, "RoleArn": self.role_arn, "Input": json.dumps(payload),
                             "RetryPolicy": {"MaximumRetryAttempts": 6, "MaximumEventAgeInSeconds": 3600}}}
        try:
            scheduler.create_schedule(**kwargs)
        except scheduler.exceptions.ConflictException:
            scheduler.update_schedule(**kwargs)

    def cancel(self, namespace: Any, object_id: ids.ObjectId) -> None:
        scheduler = self._client()
        try:
            scheduler.delete_schedule(Name=self.schedule_name(namespace, object_id), GroupName=self.group)
        except scheduler.exceptions.ResourceNotFoundException:
            pass


def run_alarm(namespace: Any, object_id: ids.ObjectId) -> str:
    """Run the object's ``alarm()`` if its alarm is due: 'ran', 'retrying', 'dropped' or 'not due'."""

    def body(obj: Any) -> str:
        storage = obj.storage
        due = storage.alarm
        if due is None or due > namespace.now():
            return "not due"
        attempt = storage.alarm_attempt
        storage.alarm, storage.alarm_changed = None, True
        try:
            storage.transaction(lambda s: obj.alarm())
            return "ran"
        except Exception as exc:  # noqa: BLE001 - the object's code failed: retry with backoff
            if attempt >= len(RETRY_DELAYS):
                logger.error("alarm of %s/%s failed %d times, dropped: %s", namespace.name, object_id.hex,
                             attempt + 1, exc)
                storage.alarm, storage.alarm_changed = None, True
                return "dropped"
            logger.warning("alarm of %s/%s failed (attempt %d), retried in %.0f s: %s", namespace.name,
                           object_id.hex, attempt + 1, RETRY_DELAYS[attempt], exc)
            storage.alarm, storage.alarm_changed = namespace.now() + RETRY_DELAYS[attempt], True
            storage.alarm_attempt = attempt + 1
            return "retrying"

    return namespace.run(object_id, body)


def alarm_handler(*namespaces: Any) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda handler EventBridge Scheduler invokes for the objects of these namespaces."""
    by_name = {namespace.name: namespace for namespace in namespaces}

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        alarm = event.get(EVENT_KEY) if isinstance(event, dict) else None
        if not isinstance(alarm, dict) or alarm.get("namespace") not in by_name:
            raise DurableObjectError(f"not an alarm event of namespaces {sorted(by_name)}: {str(event)[:200]}")
        namespace = by_name[alarm["namespace"]]
        object_id = namespace.id_from_string(alarm.get("id", ""))
        return {"namespace": namespace.name, "id": object_id.hex, "outcome": run_alarm(namespace, object_id)}

    return handler
