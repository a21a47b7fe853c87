"""EventBridge rules fired by the compute plane: scheduled rules off the plane's clock, pattern
rules on PutEvents, each matched event delivered to every target of the rule.

moto stores rules but fires no schedule, delivers DISABLED rules and only reaches SQS targets
(research/moto.md); its own delivery is switched off (moto_events.py) and PutEvents hands each
accepted event to ``accept``. Rules are read from moto's backend in this process (embedded and
``up``). ``poll_once`` fires due schedules and delivers due events; ``in_flight`` counts the
deliveries not yet made (drain waits for them); schedules are not counted: they re-arm forever,
advancing the clock fires them.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from infra.compute.sources import SourceContext
from infra.compute.sources.eventbridge import schedules
from infra.compute.sources.eventbridge.inputs import target_input
from infra.compute.sources.eventbridge.patterns import EventPattern, compile_pattern
from infra.compute.sources.eventbridge.targets import Deliverer, Delivery, not_retried
from infra.compute.sources.eventbridge.moto_events import event_time

ENABLED_STATES = ("ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
MAX_FIRINGS_PER_POLL = 10_000  # a rate(1 minute) rule over a clock jump of a week still fires each time


@dataclass
class _Armed:
    text: str  # the rule's ScheduleExpression, to notice a PutRule that changed it
    expression: schedules.Expression
    armed: float
    due: float


class EventBridgeRules:
    def __init__(self, ctx: SourceContext, invoke_async: Callable[[str, Any], None],
                 report: Callable[[str], None] = print) -> None:
        self.ctx = ctx
        self.report = report
        self.deliverer = Deliverer(ctx, invoke_async)
        self.failed: list[dict[str, Any]] = []  # deliveries given up on with no dead-letter queue
        self._deliveries: list[Delivery] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._armed: dict[tuple[str, str], _Armed] = {}
        self._patterns: dict[str, EventPattern] = {}

    # -- moto's rules -----------------------------------------------------------------------
    def _backend(self) -> Any:
        from moto.events.models import events_backends

        return events_backends[self.ctx.account_id][self.ctx.region]

    def _pattern(self, rule: Any) -> EventPattern | None:
        raw = getattr(rule.event_pattern, "_raw_pattern", None)
        if not raw:
            return None
        if raw not in self._patterns:
            self._patterns[raw] = compile_pattern(raw)
        return self._patterns[raw]

    # -- PutEvents --------------------------------------------------------------------------
    def accept(self, bus_name: str, event: dict[str, Any], only_rule: Any = None) -> int:
        """An event put on a bus: every enabled rule whose pattern matches gets it (now, as
        EventBridge matches at ingestion); returns the deliveries queued."""
        bus = self._backend().event_buses.get(bus_name)
        if bus is None:
            return 0
        queued = 0
        for rule in ([only_rule] if only_rule is not None else list(bus.rules.values())):
            pattern = self._pattern(rule)
            if rule.state in ENABLED_STATES and pattern is not None and pattern.matches(event):
                queued += self._queue(rule, event)
        return queued

    def _queue(self, rule: Any, event: dict[str, Any]) -> int:
        now = self.ctx.now()
        with self._lock:
            for target in list(rule.targets):
                payload = target_input(target, event, rule.arn, rule.name)
                heapq.heappush(self._deliveries, Delivery(now, next(self._seq), rule.arn, dict(target), event,
                                                          payload, accepted=now))
        return len(rule.targets)

    # -- schedules --------------------------------------------------------------------------
    def fire_schedules(self) -> int:
        now = self.ctx.now()
        fired = 0
        seen: set[tuple[str, str]] = set()
        bus = self._backend().event_buses.get("default")
        for rule in list(bus.rules.values()) if bus is not None else []:
            if not rule.scheduled_expression or rule.state not in ENABLED_STATES:
                continue
            key = ("default", rule.name)
            seen.add(key)
            armed_at = getattr(rule, "_toolkit_armed", None)
            state = self._armed.get(key)
            if state is None or state.text != rule.scheduled_expression or (
                    armed_at is not None and armed_at != state.armed):
                armed = armed_at if armed_at is not None else now
                expression = schedules.parse(rule.scheduled_expression)
                state = self._armed[key] = _Armed(rule.scheduled_expression, expression, armed,
                                                  expression.next_after(armed, armed))
            while state.due <= now and fired < MAX_FIRINGS_PER_POLL:
                self._queue(rule, self._scheduled_event(rule, state.due))
                fired += 1
                state.due = state.expression.next_after(state.due, state.armed)
        for gone in set(self._armed) - seen:  # deleted or disabled: enabling re-arms it
            del self._armed[gone]
        return fired

    def _scheduled_event(self, rule: Any, at: float) -> dict[str, Any]:
        return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
                "account": self.ctx.account_id, "time": event_time(at), "region": self.ctx.region,
                "resources": [rule.arn], "detail": {}}

    def next_schedule(self) -> float | None:
        """When the next scheduled rule fires (as last armed), if any."""
        return min((state.due for state in self._armed.values()), default=None)

    # -- delivery ---------------------------------------------------------------------------
    def poll_once(self) -> int:
        """Fire due schedules, then deliver every due event; returns schedules fired + deliveries made."""
        handled = self.fire_schedules()
        while True:
            with self._lock:
                if not self._deliveries or self._deliveries[0].due > self.ctx.now():
                    return handled
                delivery = heapq.heappop(self._deliveries)
            handled += 1
            try:
                self.deliverer.deliver(delivery)
            except Exception as exc:  # noqa: BLE001 - a refused delivery is retried, then dead-lettered
                self._failed(delivery, exc)

    def _failed(self, delivery: Delivery, error: Exception) -> None:
        now = self.ctx.now()
        due = None if not_retried(error) else self.deliverer.retry_at(delivery, now)
        if due is not None:
            delivery.due, delivery.attempt, delivery.seq = due, delivery.attempt + 1, next(self._seq)
            with self._lock:
                heapq.heappush(self._deliveries, delivery)
        elif not self.deliverer.dead_letter(delivery, error):
            self.failed.append({"rule": delivery.rule_arn, "target": delivery.target["Arn"],
                                "event": delivery.event, "error": str(error), "attempts": delivery.attempt})
            self.report(f"EventBridge rule {delivery.rule_arn}: gave up delivering event {delivery.event.get('id')} "
                        f"to {delivery.target['Arn']} after {delivery.attempt} attempts: {error}")

    def in_flight(self) -> int:
        with self._lock:
            return len(self._deliveries)

    def next_deadline(self) -> float | None:
        with self._lock:
            return self._deliveries[0].due if self._deliveries else None
