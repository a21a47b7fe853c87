"""AWS::Events::Rule (with its targets) and AWS::Events::EventBus through the events API.

The compute plane fires the rules (infra/compute/sources/eventbridge/): a target it cannot reach
(not Lambda, SQS, SNS or Step Functions) or a target property it does not honour fails the deploy
naming the target, instead of a rule that would never deliver.
"""

from __future__ import annotations

import json
from typing import Any

from infra.compute.sources.eventbridge.targets import TARGET_SERVICES
from infra.exceptions import DeployError
from infra.providers.base import Created, DeployContext, Provider, property_set, tags, undone_on_failure

_TARGET_PROPERTIES = ("Id", "Arn", "Input", "InputPath", "InputTransformer", "SqsParameters", "RetryPolicy",
                      "DeadLetterConfig", "RoleArn")
_INTEGERS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds")


def _target(logical_id: str, target: dict[str, Any]) -> dict[str, Any]:
    unsupported = sorted(set(target) - set(_TARGET_PROPERTIES))
    if unsupported:
        raise DeployError(logical_id, f"target {target.get('Id')}: properties {unsupported} are not run by the "
                                      f"compute plane (supported: {', '.join(_TARGET_PROPERTIES)})")
    service = str(target.get("Arn", "")).split(":")[2] if str(target.get("Arn", "")).count(":") >= 5 else ""
    if service not in TARGET_SERVICES:
        raise DeployError(logical_id, f"target {target.get('Id')}: {target.get('Arn')!r} is not a target the compute "
                                      f"plane delivers to (targets run here: {', '.join(TARGET_SERVICES)})")
    converted = dict(target)
    if "RetryPolicy" in converted:  # CloudFormation converts to the property's type; a Ref is a string
        converted["RetryPolicy"] = {k: int(v) if k in _INTEGERS else v for k, v in converted["RetryPolicy"].items()}
    return converted


def _create_rule(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    events = ctx.client("events")
    name = props.get("Name") or ctx.physical_name(logical_id)
    targets = [_target(logical_id, t) for t in props.get("Targets", [])]
    kwargs: dict[str, Any] = {"Name": name, "State": props.get("State", "ENABLED")}
    for key in ("Description", "ScheduleExpression", "RoleArn", "EventBusName"):
        if key in props:
            kwargs[key] = props[key]
    if "EventPattern" in props:
        pattern = props["EventPattern"]
        kwargs["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    if props.get("Tags"):
        kwargs["Tags"] = tags(props)
    arn = events.put_rule(**kwargs)["RuleArn"]
    bus = props.get("EventBusName", "default")
    with undone_on_failure(lambda: _delete_rule(ctx, name, {"EventBusName": bus, "TargetIds": []})):
        if targets:
            failed = events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
            if failed.get("FailedEntryCount"):
                raise DeployError(logical_id, f"targets refused: {failed['FailedEntries']}")
    return name, {"Arn": arn, "EventBusName": bus, "TargetIds": [t["Id"] for t in targets]}


def _delete_rule(ctx: DeployContext, name: str, attrs: dict[str, Any]) -> None:
    events = ctx.client("events")
    bus = attrs.get("EventBusName", "default")
    ids = [t["Id"] for t in events.list_targets_by_rule(Rule=name, EventBusName=bus).get("Targets", [])]
    if ids:
        events.remove_targets(Rule=name, EventBusName=bus, Ids=ids)
    events.delete_rule(Name=name, EventBusName=bus)


def _create_bus(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    events = ctx.client("events")
    arn = events.create_event_bus(Name=props["Name"], Tags=tags(props))["EventBusArn"]
    return props["Name"], {"Arn": arn, "Name": props["Name"]}


def _delete_bus(ctx: DeployContext, name: str, attrs: dict[str, Any]) -> None:
    ctx.client("events").delete_event_bus(Name=name)


PROVIDERS: dict[str, Provider] = {
    "AWS::Events::Rule": Provider(property_set("Name", "Description", "EventBusName", "EventPattern",
                                               "ScheduleExpression", "State", "Targets", "RoleArn", "Tags"),
                                  _create_rule, _delete_rule),
    "AWS::Events::EventBus": Provider(property_set("Name", "Tags"), _create_bus, _delete_bus),
}
