"""The resource graph of a translated template: which resources are drawn, every edge the
finders declare, the client that starts the flows, and the Ref edges of each function's
environment and permissions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from infra.docs import edges, integrations
from infra.docs.model import CLIENT_CALL, FLOW_KINDS, REFERENCE, Context, Edge, Graph, Node
from infra.docs.permissions import function_roles, statements

KINDS = {
    "AWS::Lambda::Function": "Lambda function",
    "AWS::SQS::Queue": "SQS queue",
    "AWS::SNS::Topic": "SNS topic",
    "AWS::S3::Bucket": "S3 bucket",
    "AWS::DynamoDB::Table": "DynamoDB table",
    "AWS::Kinesis::Stream": "Kinesis stream",
    "AWS::StepFunctions::StateMachine": "Step Functions state machine",
    "AWS::ApiGateway::RestApi": "API Gateway REST API",
    "AWS::Events::Rule": "EventBridge rule",
    "AWS::Events::EventBus": "EventBridge bus",
    "AWS::Scheduler::Schedule": "EventBridge Scheduler schedule",
    "AWS::CloudWatch::Alarm": "CloudWatch alarm",
    "AWS::Pipes::Pipe": "EventBridge pipe",
}

# resources that wire others together: they become edges and table rows, not boxes
PLUMBING = (
    "AWS::IAM::", "AWS::Lambda::Permission", "AWS::Lambda::EventSourceMapping", "AWS::Lambda::EventInvokeConfig",
    "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::SNS::Subscription", "AWS::SNS::TopicPolicy",
    "AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy", "AWS::Logs::", "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Stage", "AWS::ApiGateway::Method", "AWS::ApiGateway::Resource", "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::Account", "AWS::ApiGateway::RequestValidator",
    "AWS::ApiGateway::Model", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Deployment", "AWS::ApiGatewayV2::RouteResponse",
    "AWS::ApiGatewayV2::IntegrationResponse",
)
CLIENT = "Client"
_ENTRY_TYPES = ("AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::Kinesis::Stream",
                "AWS::Events::EventBus")

Finder = Callable[[Context], Iterator[Edge]]
FINDERS: tuple[Finder, ...] = (
    edges.event_source_mappings, edges.pipes, edges.s3_notifications, edges.sns_subscriptions,
    edges.rules_and_schedules, edges.alarms, edges.dead_letter_queues, edges.invoke_destinations,
    integrations.api_integrations, integrations.state_machine_tasks,
)


def kind_of(resource_type: str, properties: dict[str, Any]) -> str:
    if resource_type == "AWS::ApiGatewayV2::Api":
        return f"API Gateway {str(properties.get('ProtocolType', 'HTTP')).upper()} API"
    return KINDS.get(resource_type, resource_type.removeprefix("AWS::").replace("::", " "))


def is_plumbing(resource_type: str) -> bool:
    return resource_type.startswith(PLUMBING)


def build(resources: dict[str, dict[str, Any]], parameters: dict[str, Any]) -> Graph:
    nodes = {lid: Node(lid, kind_of(r.get("Type", ""), r.get("Properties") or {}), r.get("Type", ""))
             for lid, r in sorted(resources.items()) if not is_plumbing(r.get("Type", ""))}
    ctx = Context(resources, parameters, nodes)
    found: list[Edge] = [edge for finder in FINDERS for edge in finder(ctx)]
    found += _client_calls(ctx, found)
    found += _references(ctx, found)
    return Graph(dict(sorted(ctx.nodes.items())), sorted(set(found)))


def _client_calls(ctx: Context, found: list[Edge]) -> list[Edge]:
    """A client calls every API, and puts into every bucket, queue, topic or stream that starts a
    flow without anything in the template feeding it."""
    fed = {e.target for e in found if e.kind in FLOW_KINDS}
    starts = {e.source for e in found if e.kind in FLOW_KINDS}
    calls = []
    for lid, node in ctx.nodes.items():
        if node.type.startswith(("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")):
            protocol = "WebSocket" if "WEBSOCKET" in node.kind else "HTTPS"
            calls.append((lid, protocol))
        elif node.type in _ENTRY_TYPES and lid in starts and lid not in fed:
            calls.append((lid, "puts"))
    if not calls:
        return []
    ctx.external(CLIENT, "Client")
    return [Edge(CLIENT, lid, CLIENT_CALL, label) for lid, label in calls]


def _references(ctx: Context, found: list[Edge]) -> list[Edge]:
    """Function -> resource, for what a function's environment names or its role grants."""
    linked = {(e.source, e.target) for e in found}
    labels: dict[tuple[str, str], set[str]] = defaultdict(set)
    roles = function_roles(ctx.resources)
    for lid, props in ctx.of_type("AWS::Lambda::Function"):
        for name, value in sorted(((props.get("Environment") or {}).get("Variables") or {}).items()):
            for target in ctx.targets(value):
                labels[(lid, target)].add(name)
        for statement in statements(ctx.resources, roles.get(lid)):
            services = sorted({action.split(":", 1)[0] for action in statement.actions})
            for target in ctx.targets(statement.resources):
                labels[(lid, target)].update(f"{service} (IAM)" for service in services)
    return [Edge(source, target, REFERENCE, ", ".join(sorted(names)))
            for (source, target), names in sorted(labels.items())
            if source != target and (source, target) not in linked]
