"""Limits: what the template sets on each resource, next to the AWS quota that bounds that kind
of resource (AWS's published default quotas, some adjustable; see the compare report for
measured figures)."""

from __future__ import annotations

import re
from typing import Any

from infra.docs.graph import kind_of
from infra.docs.markdown import code, table
from infra.docs.model import API_INTEGRATION, EVENT_SOURCE_MAPPING, Graph
from infra.docs.source import PatternSource
from infra.docs.values import number, refs, shown

_DEFAULT_INTEGRATION_TIMEOUT = 29.0  # seconds, REST and WebSocket APIs (HTTP APIs: 30)
QUOTAS = {
    "AWS::Lambda::Function": "1,000 concurrent executions per Region by default, shared by every function; "
                             "each function scales by 1,000 environments per 10 s; timeout ≤ 900 s; "
                             "memory 128–10,240 MB",
    "AWS::ApiGateway::RestApi": "10,000 requests/s with a 5,000 burst per account and Region (less in newer Regions); "
                                "29 s integration timeout; 10 MB payload",
    "AWS::ApiGatewayV2::Api:WEBSOCKET": "128 KB messages (32 KB frames); a connection lasts ≤ 2 h and "
                                        "≤ 10 min idle; 500 new connections/s per account and Region",
    "AWS::ApiGatewayV2::Api:HTTP": "10,000 requests/s per account and Region; 30 s integration timeout; 10 MB payload",
    "AWS::SQS::Queue": "standard queues: nearly unlimited throughput; FIFO: 300 API calls/s per action "
                       "(3,000 messages/s in batches of 10) without high-throughput mode, ordered per message group",
    "AWS::Kinesis::Stream": "per shard 1 MB/s or 1,000 records/s in, 2 MB/s out",
    "AWS::DynamoDB::Table": "per partition 1,000 WCU and 3,000 RCU per second; items ≤ 400 KB; "
                            "TransactWriteItems ≤ 100 actions, 4 MB",
    "AWS::StepFunctions::StateMachine": "Standard: exactly-once, up to 1 year, 25,000 history events, priced per state "
                                        "transition; Express: at-least-once, up to 5 minutes, priced per request and "
                                        "duration; payload ≤ 256 KB",
    "AWS::S3::Bucket": "3,500 PUT/COPY/POST/DELETE and 5,500 GET/HEAD requests/s per prefix",
}


def _quota_key(resource: dict[str, Any]) -> str:
    kind = resource.get("Type", "")
    if kind == "AWS::ApiGatewayV2::Api":
        return f"{kind}:{str((resource.get('Properties') or {}).get('ProtocolType', 'HTTP')).upper()}"
    return kind


def _set_here(source: PatternSource, graph: Graph, lid: str, resource: dict[str, Any]) -> str:
    props = resource.get("Properties") or {}
    params = source.parameters
    kind = resource.get("Type", "")
    if kind == "AWS::Lambda::Function":
        parts = [f"timeout {shown(props.get('Timeout', 3), params)} s",
                 f"memory {shown(props.get('MemorySize', 128), params)} MB"]
        if "ReservedConcurrentExecutions" in props:
            parts.append(f"reserved concurrency {shown(props['ReservedConcurrentExecutions'], params)}")
        parts += _behind_apis(graph, lid, number(props.get("Timeout", 3), params) or 3.0)
        return ", ".join(parts)
    if kind == "AWS::SQS::Queue":
        return _queue(source, graph, lid, props)
    if kind == "AWS::Kinesis::Stream":
        shards = number(props.get("ShardCount"), params)
        if (props.get("StreamModeDetails") or {}).get("StreamMode") == "ON_DEMAND" or shards is None:
            return "on-demand capacity"
        count = int(shards)
        return f"{count} shard(s): {count} MB/s or {count * 1000:,} records/s in, {2 * count} MB/s out"
    if kind == "AWS::DynamoDB::Table":
        mode = shown(props.get("BillingMode", "PROVISIONED"), params)
        throughput = props.get("ProvisionedThroughput") or {}
        if throughput:
            mode += (f" ({shown(throughput.get('ReadCapacityUnits'), params)} RCU, "
                     f"{shown(throughput.get('WriteCapacityUnits'), params)} WCU)")
        return f"billing {mode}"
    if kind == "AWS::StepFunctions::StateMachine":
        return f"type {shown(props.get('StateMachineType', 'STANDARD'), params)}"
    if kind in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        return _api(source, lid)
    return ""


def _behind_apis(graph: Graph, function: str, timeout: float) -> list[str]:
    """A function that may run longer than the API in front of it waits: the caller gets a 504 first."""
    notes = []
    for edge in graph.into(function, (API_INTEGRATION,)):
        given = next((value for key, value in edge.settings if key.lower() == "timeoutinmillis"), None)
        match = re.match(r"\d+", given or "")
        default = 30.0 if graph.nodes[edge.source].kind.endswith("HTTP API") else _DEFAULT_INTEGRATION_TIMEOUT
        limit = int(match.group(0)) / 1000 if match else default
        if timeout > limit:
            notes.append(f"longer than {edge.source}'s integration timeout ({limit:g} s): "
                         "API Gateway answers 504 before the function ends")
    return notes


def _queue(source: PatternSource, graph: Graph, lid: str, props: dict[str, Any]) -> str:
    params = source.parameters
    visibility = number(props.get("VisibilityTimeout", 30), params) or 30.0
    parts = [f"visibility timeout {shown(props.get('VisibilityTimeout', 30), params)} s"]
    retention = number(props.get("MessageRetentionPeriod"), params)
    if retention is not None:
        parts.append(f"messages kept {retention / 86400:g} days")
    if props.get("FifoQueue") in (True, "true"):
        parts.append("FIFO")
    for edge in graph.out_of(lid, (EVENT_SOURCE_MAPPING,)):
        function = (source.resources.get(edge.target) or {}).get("Properties") or {}
        timeout = number(function.get("Timeout", 3), params) or 3.0
        advice = "meets" if visibility >= 6 * timeout else "is below"
        parts.append(f"{advice} AWS's advice of ≥ 6 × {edge.target}'s timeout ({6 * timeout:g} s)")
    return ", ".join(parts)


def _api(source: PatternSource, api: str) -> str:
    parts = []
    for lid, resource in sorted(source.resources.items()):
        props = resource.get("Properties") or {}
        if resource.get("Type") != "AWS::ApiGateway::UsagePlan" or api not in refs(props.get("ApiStages")):
            continue
        throttle, quota = props.get("Throttle") or {}, props.get("Quota") or {}
        if throttle:
            parts.append(f"usage plan {lid}: {shown(throttle.get('RateLimit'), source.parameters)} requests/s, "
                         f"burst {shown(throttle.get('BurstLimit'), source.parameters)}")
        if quota:
            parts.append(f"quota {shown(quota.get('Limit'), source.parameters)} "
                         f"per {shown(quota.get('Period'), source.parameters)}")
    return ", ".join(parts)


def limits_section(source: PatternSource, graph: Graph) -> str:
    rows: list[tuple[str, str]] = []
    quotas: dict[str, str] = {}
    for lid, resource in sorted(source.resources.items()):
        here = _set_here(source, graph, lid, resource)
        if here:
            rows.append((code(lid), here))
        key = _quota_key(resource)
        if key in QUOTAS:
            quotas.setdefault(kind_of(resource.get("Type", ""), resource.get("Properties") or {}), QUOTAS[key])
    parts = [table(("resource", "set by the template"), rows)] if rows else []
    if quotas:
        parts.append("AWS's default quotas for these kinds of resources (published defaults; several are adjustable "
                     "per account):\n\n" + table(("kind", "AWS quota"), sorted(quotas.items())))
    return "\n\n".join(parts) if parts else "No resource here has a limit worth stating."
