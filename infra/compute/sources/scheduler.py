"""EventBridge Scheduler one-time schedules (``at(...)``) fire off the compute plane's clock.

moto stores schedules but never fires them. This source looks at the enabled schedules of every
group; one whose ``at()`` time has come invokes its Lambda target asynchronously with the
target's ``Input`` (as Scheduler does: the invocation then has Lambda's asynchronous retries),
and is deleted if its ActionAfterCompletion is DELETE (else it is remembered as done). Only
one-time schedules are realized; a rate() or cron() schedule is reported once and not fired.
"""

from __future__ import annotations

import json
import re
from calendar import timegm
from datetime import datetime
from typing import Any, Callable

from infra.metering.meter import METER, unmetered

_AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")


def at_time(expression: str) -> float | None:
    """Seconds since the epoch of an ``at(yyyy-mm-ddThh:mm:ss)`` expression (UTC), or None."""
    match = _AT.match(expression.strip())
    if not match:
        return None
    return float(timegm(datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").timetuple()))


class ScheduleSource:
    def __init__(self, scheduler: Any, invoke_async: Callable[[str, dict[str, Any]], None],
                 now: Callable[[], float], report: Callable[[str], None] = print) -> None:
        self.scheduler = scheduler
        self.invoke_async = invoke_async
        self.now = now
        self.report = report
        self._details: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._done: set[tuple[str, str, str]] = set()
        self._reported: set[tuple[str, str]] = set()

    def poll_once(self) -> int:
        """Fire every due schedule; returns how many fired."""
        with unmetered():  # metering: looking for due schedules is the plane's work, not billed
            fired = self._fire_due()
        METER.add("scheduler/invocations", fired)  # metering: Scheduler bills each schedule fired
        return fired

    def _fire_due(self) -> int:
        fired = 0
        now = self.now()
        for page in self.scheduler.get_paginator("list_schedules").paginate(State="ENABLED"):
            for summary in page.get("Schedules", []):
                key = (summary.get("GroupName", "default"), summary["Name"], str(summary.get("LastModificationDate")))
                if key in self._done:
                    continue
                schedule = self._details.get(key)
                if schedule is None:
                    schedule = self._details[key] = self.scheduler.get_schedule(Name=key[1], GroupName=key[0])
                due = at_time(schedule.get("ScheduleExpression", ""))
                if due is None:
                    if key[:2] not in self._reported:
                        self._reported.add(key[:2])
                        self.report(f"schedule {key[1]}: only one-time at() schedules fire locally, "
                                    f"not {schedule.get('ScheduleExpression')}")
                    continue
                if due > now:
                    continue
                target = schedule["Target"]
                if ":lambda:" in target["Arn"]:
                    self.invoke_async(target["Arn"], json.loads(target.get("Input") or "{}"))
                else:
                    self.report(f"schedule {key[1]}: target {target['Arn']} is not a Lambda function; not fired")
                fired += 1
                self._details.pop(key, None)
                if schedule.get("ActionAfterCompletion") == "DELETE":
                    try:
                        self.scheduler.delete_schedule(Name=key[1], GroupName=key[0])
                    except self.scheduler.exceptions.ResourceNotFoundException:
                        pass  # replaced or removed meanwhile
                else:
                    self._done.add(key)
        return fired
