"""EventBridge scheduled rules off the plane's clock: AWS's six-field cron (?, L, W, #, names,
ranges, increments) and rate(); disabled rules never fire; drain does not wait for schedules."""

from __future__ import annotations

import json
from calendar import timegm
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError
from eventbridge_queues import messages, queue_for_events

from infra.compute.sources.eventbridge.schedules import ScheduleExpressionError, parse


def at(text: str) -> float:
    return float(timegm(datetime.strptime(text, "%Y-%m-%d %H:%M").timetuple()))


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("expression, after, expected", [
    ("cron(5 0 * * ? *)", "2026-12-04 18:07", ["2026-12-05 00:05", "2026-12-06 00:05"]),
    ("cron(0/15 * * * ? *)", "2026-12-04 18:07", ["2026-12-04 18:15", "2026-12-04 18:30"]),
    ("cron(0 10 ? * MON-FRI *)", "2026-12-04 18:07", ["2026-12-07 10:00", "2026-12-08 10:00"]),  # Fri evening -> Mon
    ("cron(0 9 ? * 6L *)", "2026-12-01 00:00", ["2026-12-25 09:00", "2027-01-29 09:00"]),  # last Friday
    ("cron(0 9 ? * 3#2 *)", "2026-12-01 00:00", ["2026-12-08 09:00", "2027-01-12 09:00"]),  # second Tuesday
    ("cron(0 0 L * ? *)", "2026-12-04 00:00", ["2026-12-31 00:00", "2027-01-31 00:00"]),
    ("cron(0 0 LW * ? *)", "2027-01-01 00:00", ["2027-01-29 00:00", "2027-02-26 00:00"]),  # Jan 31 is a Sunday
    ("cron(0 0 6W * ? *)", "2026-12-01 00:00", ["2026-12-07 00:00", "2027-01-06 00:00"]),  # Dec 6 is a Sunday
    ("cron(30 12 1,15 JAN,JUL ? 2027)", "2026-12-04 00:00", ["2027-01-01 12:30", "2027-01-15 12:30"]),
    ("cron(0 12 * * ? 2025)", "2026-12-04 00:00", []),  # only in the past: never again
])
def test_cron_fires_on_the_minutes_aws_documents(expression, after, expected):
    schedule = parse(expression)
    got, t = [], at(after)
    for _ in expected or [None]:
        t = schedule.next_after(t)
        if t != float("inf"):
            got.append(iso(t))
    assert got == expected


@pytest.mark.parametrize("expression", [
    "rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(5 weeks)", "cron(0 2 * * * *)",
    "cron(0 2 ? * ? *)", "cron(0 2 * *)", "cron(61 2 * * ? *)", "cron(0 2 ? * 8 *)", "cron(0 2 ? * 2#6 *)",
    "cron(0 2 32W * ? *)", "every night",
])
def test_expressions_eventbridge_refuses_are_refused(expression):
    with pytest.raises(ScheduleExpressionError, match="ScheduleExpression is not valid"):
        parse(expression)


def scheduled_rule(cloud, name: str, expression: str, target_arn: str, **kwargs) -> str:
    events = cloud.client("events")
    arn = events.put_rule(Name=name, ScheduleExpression=expression, **kwargs)["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "t", "Arn": target_arn}])
    return arn


def test_a_rate_rule_fires_every_period_from_its_creation_with_the_scheduled_event(cloud, tick):
    url, arn = queue_for_events(cloud, "ticks")
    created = cloud.clock.now()
    rule_arn = scheduled_rule(cloud, "every-five", "rate(5 minutes)", arn)

    tick(299)
    assert [json.loads(m["Body"]) for m in messages(cloud, url)] == []
    tick(1)
    tick(600)
    events = [json.loads(m["Body"]) for m in messages(cloud, url)]
    assert [e["time"] for e in events] == [datetime.fromtimestamp(created + s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                                           for s in (300, 600, 900)]
    assert all(e["source"] == "aws.events" and e["detail-type"] == "Scheduled Event" and e["detail"] == {}
               and e["resources"] == [rule_arn] for e in events)
    assert len({e["id"] for e in events}) == 3


def test_a_cron_rule_fires_at_its_minute_on_the_clock(cloud, tick):
    url, arn = queue_for_events(cloud, "ticks")
    cloud.plane.clock.advance(86400 - cloud.clock.now() % 86400)  # midnight UTC
    scheduled_rule(cloud, "nightly", "cron(5 0 * * ? *)", arn)

    tick(4 * 60)
    assert [json.loads(m["Body"]) for m in messages(cloud, url)] == []
    tick(60)
    assert [e["time"][11:] for e in [json.loads(m["Body"]) for m in messages(cloud, url)]] == ["00:05:00Z"]
    tick(86400)
    assert len([json.loads(m["Body"]) for m in messages(cloud, url)]) == 1


def test_drain_does_not_wait_for_a_schedule_and_advancing_the_clock_fires_it(cloud, tick):
    url, arn = queue_for_events(cloud, "ticks")
    scheduled_rule(cloud, "forever", "rate(1 hour)", arn)

    cloud.drain()  # returns although the rule re-arms forever
    assert cloud.plane.in_flight() == 0 and [json.loads(m["Body"]) for m in messages(cloud, url)] == []
    tick(3 * 3600)
    assert len([json.loads(m["Body"]) for m in messages(cloud, url)]) == 3


def test_a_disabled_rule_never_fires_and_fires_again_from_when_it_is_enabled(cloud, tick):
    url, arn = queue_for_events(cloud, "ticks")
    scheduled_rule(cloud, "paused", "rate(10 minutes)", arn, State="DISABLED")
    tick(3600)
    assert [json.loads(m["Body"]) for m in messages(cloud, url)] == []

    cloud.client("events").enable_rule(Name="paused")
    enabled = cloud.clock.now()
    tick(599)
    assert [json.loads(m["Body"]) for m in messages(cloud, url)] == []
    tick(1)
    assert [e["time"] for e in [json.loads(m["Body"]) for m in messages(cloud, url)]] == [
        datetime.fromtimestamp(enabled + 600, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")]
    cloud.client("events").disable_rule(Name="paused")
    tick(3600)
    assert [json.loads(m["Body"]) for m in messages(cloud, url)] == []


def test_put_rule_refuses_a_bad_schedule_as_eventbridge_does(cloud):
    with pytest.raises(ClientError) as refused:
        cloud.client("events").put_rule(Name="bad", ScheduleExpression="cron(0 2 * * * *)")
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["Error"]["Message"] == "Parameter ScheduleExpression is not valid."
