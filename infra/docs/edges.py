"""Edges that are not Refs, family by family: event source mappings, S3 notifications, SNS
subscriptions, EventBridge rules and schedules, alarms, dead-letter queues, destinations.
(API integrations and state machine tasks: integrations.py.) Each finder takes the Context and
yields Edges; none of them knows a pattern."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infra.docs.model import (ALARM_ACTION, DEAD_LETTER_QUEUE, DESTINATION, EVENT_SOURCE_MAPPING, PIPE,
                              S3_NOTIFICATION, SCHEDULE, SNS_SUBSCRIPTION, Context, Edge, settings)
from infra.docs.values import as_list, shown, text

# services whose role lets them invoke what the template names, when the things they invoke are
# created at run time (EventBridge Scheduler schedules an application creates, for instance)
_RUNTIME_INVOKERS = {
    "scheduler.amazonaws.com": ("EventBridgeScheduler", "EventBridge Scheduler (schedules created at run time)"),
    "events.amazonaws.com": ("EventBridge", "EventBridge (rules created at run time)"),
}


def event_source_mappings(ctx: Context) -> Iterator[Edge]:
    for lid, props in ctx.of_type("AWS::Lambda::EventSourceMapping"):
        function = ctx.target(props.get("FunctionName"))
        source = ctx.target(props.get("EventSourceArn")) if "EventSourceArn" in props else None
        if source is None:  # Kafka, MQ, a stream of another stack: outside the template
            outside = props.get("EventSourceArn", props.get("SelfManagedEventSource", "event source"))
            source = ctx.external(f"source_{lid}", f"event source {text(outside)}")
        if function is None:
            continue
        found = settings(props, ("FunctionName", "EventSourceArn"), ctx.parameters)
        yield Edge(source, function, EVENT_SOURCE_MAPPING, _mapping_label(props, ctx.parameters), lid, found)
        failure = (props.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination")
        destination = ctx.target(failure) if failure is not None else None
        if destination:
            yield Edge(function, destination, DESTINATION, "on failure (mapping's records)", lid)


def pipes(ctx: Context) -> Iterator[Edge]:
    """EventBridge Pipes: source -> pipe -> (enrichment) -> target."""
    for lid, props in ctx.of_type("AWS::Pipes::Pipe"):
        source = ctx.target(props.get("Source"))
        if source:
            found = settings(props.get("SourceParameters") or {}, (), ctx.parameters)
            yield Edge(source, lid, PIPE, "source", lid, found)
        for key in ("Enrichment", "Target"):
            target = ctx.target(props.get(key))
            if target:
                yield Edge(lid, target, PIPE, key.lower(), lid)


def _mapping_label(props: dict[str, Any], parameters: dict[str, Any]) -> str:
    parts = []
    if "BatchSize" in props:
        parts.append(f"batch {shown(props['BatchSize'], parameters)}")
    if "MaximumBatchingWindowInSeconds" in props:
        parts.append(f"window {shown(props['MaximumBatchingWindowInSeconds'], parameters)} s")
    if "StartingPosition" in props:
        parts.append(str(shown(props["StartingPosition"], parameters)))
    return ", ".join(parts)


def s3_notifications(ctx: Context) -> Iterator[Edge]:
    for lid, props in ctx.of_type("AWS::S3::Bucket"):
        config = props.get("NotificationConfiguration") or {}
        for section, key in (("TopicConfigurations", "Topic"), ("QueueConfigurations", "Queue"),
                             ("LambdaConfigurations", "Function")):
            for item in config.get(section, []):
                target = ctx.target(item.get(key))
                if target:
                    found = settings(item, (key,), ctx.parameters)
                    yield Edge(lid, target, S3_NOTIFICATION, text(item.get("Event", "")), lid, found)
        if "EventBridgeConfiguration" in config:
            bus = ctx.external("DefaultEventBus", "EventBridge default bus")
            yield Edge(lid, bus, S3_NOTIFICATION, "all events to EventBridge", lid)


def sns_subscriptions(ctx: Context) -> Iterator[Edge]:
    for lid, props in ctx.of_type("AWS::SNS::Subscription"):
        topic = ctx.target(props.get("TopicArn"))
        if topic:
            yield from _subscription(ctx, topic, props, lid)
    for lid, props in ctx.of_type("AWS::SNS::Topic"):
        for item in props.get("Subscription", []):
            yield from _subscription(ctx, lid, item, lid)


def _subscription(ctx: Context, topic: str, props: dict[str, Any], origin: str) -> Iterator[Edge]:
    protocol = text(props.get("Protocol", ""))
    endpoint = ctx.target(props.get("Endpoint"))
    if endpoint is None:
        endpoint = ctx.external(f"{protocol}_{origin}", f"{protocol} endpoint {text(props.get('Endpoint', ''))}")
    found = settings(props, ("TopicArn", "Endpoint", "RedrivePolicy"), ctx.parameters)
    yield Edge(topic, endpoint, SNS_SUBSCRIPTION, protocol, origin, found)
    dead = ctx.target((props.get("RedrivePolicy") or {}).get("deadLetterTargetArn"))
    if dead:
        yield Edge(topic, dead, DEAD_LETTER_QUEUE, f"undeliverable to {endpoint}", origin)


def rules_and_schedules(ctx: Context) -> Iterator[Edge]:
    for lid, props in ctx.of_type("AWS::Events::Rule"):
        when = props.get("ScheduleExpression") or _pattern_label(props.get("EventPattern"))
        bus = ctx.target(props.get("EventBusName")) if "EventBusName" in props else None
        if bus:
            yield Edge(bus, lid, SCHEDULE, text(when), lid)
        for item in props.get("Targets", []):
            yield from _timed_target(ctx, lid, item, "Arn", text(when))
    for lid, props in ctx.of_type("AWS::Scheduler::Schedule"):
        yield from _timed_target(ctx, lid, props.get("Target") or {}, "Arn", text(props.get("ScheduleExpression", "")))
    yield from _runtime_invokers(ctx)


def _pattern_label(pattern: Any) -> str:
    if not isinstance(pattern, dict):
        return "event pattern"
    return "events " + ", ".join(f"{key}={text(pattern[key])}" for key in sorted(pattern))


def _timed_target(ctx: Context, origin: str, item: dict[str, Any], key: str, when: str) -> Iterator[Edge]:
    target = ctx.target(item.get(key))
    if target:
        found = settings(item, (key, "Id", "DeadLetterConfig", "RoleArn"), ctx.parameters)
        yield Edge(origin, target, SCHEDULE, when, origin, found)
        dead = ctx.target((item.get("DeadLetterConfig") or {}).get("Arn"))
        if dead:
            yield Edge(origin, dead, DEAD_LETTER_QUEUE, f"undeliverable to {target}", origin)


def _runtime_invokers(ctx: Context) -> Iterator[Edge]:
    scheduled = {ctx.target(item.get("Arn")) for _, props in ctx.of_type("AWS::Events::Rule")
                 for item in props.get("Targets", [])}
    scheduled |= {ctx.target((props.get("Target") or {}).get("Arn"))
                  for _, props in ctx.of_type("AWS::Scheduler::Schedule")}
    for lid, props in ctx.of_type("AWS::IAM::Role"):
        services = {s for statement in (props.get("AssumeRolePolicyDocument") or {}).get("Statement", [])
                    for s in as_list((statement.get("Principal") or {}).get("Service"))}
        for service in sorted(services & set(_RUNTIME_INVOKERS)):
            node_id, kind = _RUNTIME_INVOKERS[service]
            for statement in _statements(props):
                actions = ",".join(as_list(statement.get("Action")))
                if "lambda:InvokeFunction" not in actions and "sqs:SendMessage" not in actions:
                    continue
                for target in ctx.targets(statement.get("Resource")):
                    if target not in scheduled:
                        yield Edge(ctx.external(node_id, kind), target, SCHEDULE,
                                   f"with role {lid}", lid)


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [statement for policy in role.get("Policies", [])
            for statement in as_list((policy.get("PolicyDocument") or {}).get("Statement"))]


def alarms(ctx: Context) -> Iterator[Edge]:
    for lid, props in ctx.of_type("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
        metric = text(props.get("MetricName", props.get("AlarmRule", "")))
        for key, state in (("AlarmActions", "ALARM"), ("OKActions", "OK"),
                           ("InsufficientDataActions", "INSUFFICIENT_DATA")):
            for target in ctx.targets(props.get(key, [])):
                yield Edge(lid, target, ALARM_ACTION, f"{state}: {metric}", lid)


def dead_letter_queues(ctx: Context) -> Iterator[Edge]:
    for lid, props in ctx.of_type("AWS::SQS::Queue"):
        redrive = props.get("RedrivePolicy") or {}
        dead = ctx.target(redrive.get("deadLetterTargetArn"))
        if dead:
            count = shown(redrive.get("maxReceiveCount", "?"), ctx.parameters)
            yield Edge(lid, dead, DEAD_LETTER_QUEUE, f"after {count} receives", lid)
    for lid, props in ctx.of_type("AWS::Lambda::Function"):
        dead = ctx.target((props.get("DeadLetterConfig") or {}).get("TargetArn"))
        if dead:
            yield Edge(lid, dead, DEAD_LETTER_QUEUE, "failed asynchronous events", lid)


def invoke_destinations(ctx: Context) -> Iterator[Edge]:
    for lid, props in ctx.of_type("AWS::Lambda::EventInvokeConfig"):
        function = ctx.target(props.get("FunctionName"))
        for when, key in (("on failure", "OnFailure"), ("on success", "OnSuccess")):
            target = ctx.target(((props.get("DestinationConfig") or {}).get(key) or {}).get("Destination"))
            if function and target:
                found = settings(props, ("FunctionName", "DestinationConfig", "Qualifier"), ctx.parameters)
                yield Edge(function, target, DESTINATION, f"{when} (asynchronous invocations)", lid, found)
