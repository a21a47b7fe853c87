"""EventBridge schedule expressions: ``rate(n unit)`` and AWS's six-field ``cron(...)``.

    expression = parse("cron(0 2 ? * MON-FRI *)")     # ScheduleExpressionError when AWS refuses it
    expression.next_after(t)                          # the first firing strictly after t (UTC seconds)

cron fields: minutes, hours, day-of-month, month, day-of-week, year. Wildcards ``*``, ranges
``a-b``, lists ``a,b``, increments ``a/n`` or ``*/n``; month names JAN-DEC; day-of-week 1-7 (1 is
Sunday) or SUN-SAT; ``?`` in exactly one of day-of-month / day-of-week; ``L`` (last day of the
month, or with a day of week ``5L`` its last one in the month), ``W`` (``15W``: the weekday nearest
the 15th, within the month; ``LW``: the last weekday) and ``#`` (``3#2``: the second Tuesday).
A rate fires every period from the moment the rule was created or enabled.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from infra.exceptions import ToolkitError

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name: i + 1 for i, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"))}
_DAYS = {name: i + 1 for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
MAX_YEARS_AHEAD = 10  # how far next_after looks for a cron's next day (AWS's years end at 2199)


class ScheduleExpressionError(ToolkitError):
    """EventBridge refuses the expression (PutRule answers 'Parameter ScheduleExpression is not valid.')."""

    def __init__(self, expression: str, reason: str) -> None:
        super().__init__(f"Parameter ScheduleExpression is not valid: {expression!r} ({reason})")
        self.reason = reason


@dataclass(frozen=True)
class Rate:
    seconds: int

    def next_after(self, t: float, armed: float) -> float:
        """The first firing after ``t`` of a rate armed at ``armed`` (created or enabled)."""
        if t < armed:
            return armed + self.seconds
        return armed + (int((t - armed) // self.seconds) + 1) * self.seconds


Matcher = Callable[[int], bool]


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    day_matches: Callable[[int, int, int], bool]  # (year, month, day) -> fires that day

    def next_after(self, t: float, armed: float = 0.0) -> float:
        start = datetime.fromtimestamp(int(t // 60) * 60 + 60, tz=timezone.utc)
        day = start.date()
        last = day.replace(year=min(day.year + MAX_YEARS_AHEAD, 9999))
        while day <= last:
            if day.year in self.years and day.month in self.months and self.day_matches(day.year, day.month, day.day):
                first_hour = start.hour if day == start.date() else 0
                for hour in sorted(h for h in self.hours if h >= first_hour):
                    first_minute = start.minute if (day == start.date() and hour == start.hour) else 0
                    minute = min((m for m in self.minutes if m >= first_minute), default=None)
                    if minute is not None:
                        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc).timestamp()
            day += timedelta(days=1)
        return float("inf")  # no firing left (a cron limited to past years)


Expression = Rate | Cron


def parse(expression: str) -> Expression:
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value <= 0:
            raise ScheduleExpressionError(expression, "a rate must be a positive whole number")
        if (value == 1) != (not unit.endswith("s")):
            raise ScheduleExpressionError(expression, "a rate of 1 takes a singular unit, others a plural one")
        return Rate(value * _UNIT_SECONDS[unit.rstrip("s")])
    cron = _CRON.match(text)
    if not cron:
        raise ScheduleExpressionError(expression, "expected rate(value unit) or cron(six fields)")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ScheduleExpressionError(expression, f"cron takes six fields, got {len(fields)}")
    minute, hour, dom, month, dow, year = (f.upper() for f in fields)
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError(expression, "one of day-of-month and day-of-week must be '?', not both")
    try:
        return Cron(_values(minute, 0, 59), _values(hour, 0, 23), _values(month, 1, 12, _MONTHS),
                    _values(year, 1970, 2199), _day_of_month(dom) if dow == "?" else _day_of_week(dow))
    except ValueError as exc:
        raise ScheduleExpressionError(expression, str(exc)) from exc


def _number(text: str, names: dict[str, int] | None) -> int:
    if names and text in names:
        return names[text]
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a value of this field")
    return int(text)


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"bad increment in {part!r}")
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            first, last = _number(a, names), _number(b, names)
        else:
            first = _number(base, names)
            last = high if step else first
        if not (low <= first <= high and low <= last <= high) or first > last:
            raise ValueError(f"{part!r} is outside {low}-{high}")
        values.update(range(first, last + 1, step or 1))
    return frozenset(values)


def _weekday(year: int, month: int, day: int) -> int:
    """1 (Sunday) .. 7 (Saturday), as cron's day-of-week."""
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, day: int) -> int:
    last = calendar.monthrange(year, month)[1]
    day = min(day, last)
    weekday = _weekday(year, month, day)
    if weekday == 7:  # Saturday: Friday before, unless that leaves the month
        return day - 1 if day > 1 else day + 2
    if weekday == 1:  # Sunday: Monday after, unless that leaves the month
        return day + 1 if day < last else day - 2
    return day


def _day_of_month(field: str) -> Callable[[int, int, int], bool]:
    if field == "L":
        return lambda y, m, d: d == calendar.monthrange(y, m)[1]
    if field == "LW":
        return lambda y, m, d: d == _nearest_weekday(y, m, calendar.monthrange(y, m)[1])
    if field.endswith("W"):
        target = _number(field[:-1], None)
        if not 1 <= target <= 31:
            raise ValueError(f"{field!r} is outside 1-31")
        return lambda y, m, d: d == _nearest_weekday(y, m, target)
    days = _values(field, 1, 31)
    return lambda y, m, d: d in days


def _day_of_week(field: str) -> Callable[[int, int, int], bool]:
    if "#" in field:
        day_text, _, nth_text = field.partition("#")
        weekday, nth = _number(day_text, _DAYS), _number(nth_text, None)
        if not (1 <= weekday <= 7 and 1 <= nth <= 5):
            raise ValueError(f"{field!r}: a day 1-7 and an occurrence 1-5")
        return lambda y, m, d: _weekday(y, m, d) == weekday and (d - 1) // 7 + 1 == nth
    if field == "L":
        return lambda y, m, d: _weekday(y, m, d) == 7
    if field.endswith("L"):
        weekday = _number(field[:-1], _DAYS)
        if not 1 <= weekday <= 7:
            raise ValueError(f"{field!r} is outside 1-7")
        return lambda y, m, d: _weekday(y, m, d) == weekday and d + 7 > calendar.monthrange(y, m)[1]
    days = _values(field, 1, 7, _DAYS)
    return lambda y, m, d: _weekday(y, m, d) in days
