"""Alarms: EventBridge Scheduler one-time schedules, fired by the compute plane off the virtual
clock into the deployed alarm function, which runs the object's alarm() under its lease."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest
from durable_objects import Namespace, SchedulerAlarms

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES / "handlers"))
from reminders import Reminder  # noqa: E402


@pytest.fixture
def reminders(cloud):
    stack = cloud.deploy("fixture", template=FIXTURES / "alarms.yaml", stack_name=f"alarms-{uuid.uuid4().hex[:8]}")
    alarms = SchedulerAlarms(stack.outputs["AlarmFunctionArn"], stack.outputs["SchedulerRoleArn"],
                             client=cloud.client("scheduler"))
    return Namespace(Reminder, table=stack.outputs["TableName"], client=cloud.client("dynamodb"),
                     clock=cloud.clock, alarms=alarms)


def tick(cloud, seconds: float) -> None:
    cloud.clock.advance(seconds)
    cloud.plane.run_until_idle()


def schedules(cloud) -> list[str]:
    return [s["Name"] for s in cloud.client("scheduler").list_schedules()["Schedules"]]


def test_alarm_fires_once_when_due_and_not_before(cloud, reminders):
    stub = reminders.get(reminders.id_from_name("once"))
    stub.arm(cloud.clock.now() + 30)
    assert len(schedules(cloud)) == 1
    tick(cloud, 29)
    assert stub.status()["fired"] == 0
    tick(cloud, 2)
    assert stub.status() == {"fired": 1, "alarm": None}
    assert schedules(cloud) == []  # deleted after it fired
    tick(cloud, 100)
    assert stub.status()["fired"] == 1


def test_failing_alarm_is_retried_six_times_with_backoff_then_dropped(cloud, reminders):
    stub = reminders.get(reminders.id_from_name("flaky"))
    stub.arm(cloud.clock.now() + 1, fail_first=99)
    tick(cloud, 2)  # first attempt fails: retried 2 s later
    alarm = stub.status()["alarm"]
    assert stub.status()["fired"] == 0 and alarm is not None and alarm - cloud.clock.now() == pytest.approx(2, abs=1)
    for seconds in (2, 4, 8, 16, 32, 64):
        tick(cloud, seconds + 1)
    assert stub.status() == {"fired": 0, "alarm": None}  # dropped after six retries
    invocations = [i for i in cloud.plane.executor.invocations if i["function"].endswith("-alarm")]
    assert len(invocations) == 7 and not any(i["error"] for i in invocations)


def test_deleted_alarm_does_not_fire(cloud, reminders):
    stub = reminders.get(reminders.id_from_name("cancelled"))
    stub.arm(cloud.clock.now() + 10)
    stub.disarm()
    assert schedules(cloud) == []
    tick(cloud, 20)
    assert stub.status()["fired"] == 0


def test_alarm_that_sets_the_next_one_ticks(cloud, reminders):
    stub = reminders.get(reminders.id_from_name("ticker"))
    stub.arm(cloud.clock.now() + 1, every=1.0, ticks=5)
    for _ in range(12):  # at() has whole seconds: a 1 s tick lands on the next second boundary
        tick(cloud, 1.01)
    assert stub.status()["fired"] == 5 and stub.status()["alarm"] is None
