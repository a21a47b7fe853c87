"""moto's EventBridge, where it differs from EventBridge for rules (moto 5.2.5 is pinned).

- PutEvents: moto delivers inside the call, to SQS targets only (others raise
  NotImplementedError), DISABLED rules included, with its own pattern matcher. With a compute
  plane active its delivery is switched off and every accepted event is handed to the plane's
  rules (``EventBridgeRules.accept``), so each event is delivered once, by the plane. A Detail
  that is JSON but not an object is refused as EventBridge refuses it (MalformedDetail).
- moto's other path into rules (S3 -> EventBridge notifications) goes to the plane the same way.
- PutRule checks the schedule expression (AWS's cron and rate grammar) and the event pattern
  (InvalidEventPatternException) as EventBridge does; PutTargets checks Input, InputPath and
  InputTransformer (ValidationException). A rule remembers when it was created or enabled on the
  plane's clock (a rate schedule counts from then).
Each hook falls back to moto's behaviour when no compute plane is active (the checks always run).
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from datetime import datetime, timezone
from typing import Any

from infra.compute import active
from infra.compute.moto_hooks import patches

_suppressed = threading.local()  # inside our PutEvents: moto's per-rule delivery does nothing


def _plane() -> Any:
    return active.plane()


def event_time(seconds: float) -> str:
    """EventBridge's ``time``: 2026-12-04T18:00:00Z."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def install_moto_hooks() -> None:
    if not patches.claim(__name__):
        return
    import moto.events.models as events_models
    from moto.events.exceptions import InvalidEventPatternException, ValidationException

    from infra.compute.sources.eventbridge.inputs import TargetInputError, check_target
    from infra.compute.sources.eventbridge.patterns import EventPatternError, compile_pattern
    from infra.compute.sources.eventbridge.schedules import ScheduleExpressionError, parse

    backend_cls, rule_cls = events_models.EventsBackend, events_models.Rule
    original_put_events, original_send = backend_cls.put_events, rule_cls.send_to_targets
    original_put_rule, original_put_targets, original_enable = backend_cls.put_rule, backend_cls.put_targets, rule_cls.enable

    def now() -> float:
        plane = _plane()
        return plane.now() if plane is not None else time.time()

    def put_events(self: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        plane = _plane()
        if plane is None:
            return original_put_events(self, events)
        _suppressed.on = True
        try:
            with warnings.catch_warnings():  # moto warns of a Detail that is not an object: refused below
                warnings.simplefilter("ignore")
                entries = original_put_events(self, events)
        finally:
            _suppressed.on = False
        for entry, event in zip(entries, events):
            if "EventId" not in entry:
                continue
            detail = json.loads(event["Detail"])
            if not isinstance(detail, dict):
                entry.clear()
                entry.update({"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."})
                continue
            bus = self._normalize_event_bus_arn(event.get("EventBusName"))
            at = float(event["Time"]) if isinstance(event.get("Time"), (int, float)) else plane.now()
            plane.sources.rules.accept(bus, {
                "version": "0", "id": entry["EventId"], "detail-type": event["DetailType"], "source": event["Source"],
                "account": self.account_id, "time": event_time(at), "region": self.region_name,
                "resources": event.get("Resources", []), "detail": detail})
        return entries

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if getattr(_suppressed, "on", False):
            return None
        plane = _plane()
        if plane is None:
            return original_send(self, original_event, transform_input)
        event = dict(original_event)
        if isinstance(event.get("time"), (int, float)):
            event["time"] = event_time(event["time"])
        plane.sources.rules.accept(self.event_bus_name, event, only_rule=self)
        return None

    def put_rule(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        pattern, expression = kwargs.get("event_pattern"), kwargs.get("scheduled_expression")
        try:
            if pattern:
                compile_pattern(pattern)
            if expression:
                parse(expression)
        except EventPatternError as exc:
            raise InvalidEventPatternException(reason=exc.reason) from exc
        except ScheduleExpressionError as exc:
            raise ValidationException("Parameter ScheduleExpression is not valid.") from exc
        rule: Any = original_put_rule(self, name, *args, **kwargs)
        rule._toolkit_armed = now()
        return rule

    def put_targets(self: Any, name: str, event_bus_arn: Any, targets: list[dict[str, Any]]) -> None:
        for target in targets:
            try:
                check_target(target)
            except TargetInputError as exc:
                raise ValidationException(str(exc)) from exc
        return original_put_targets(self, name, event_bus_arn, targets)

    def enable(self: Any) -> None:
        if self.state not in ("ENABLED",):
            self._toolkit_armed = now()
        original_enable(self)

    patches.patch(backend_cls, "put_events", put_events)
    patches.patch(backend_cls, "put_rule", put_rule)
    patches.patch(backend_cls, "put_targets", put_targets)
    patches.patch(rule_cls, "send_to_targets", send_to_targets)
    patches.patch(rule_cls, "enable", enable)
