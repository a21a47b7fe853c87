"""The AWS limits that bound a pattern, found from its template's resources and turned into a
ceiling of operations per second with the usage metered per operation.

Quotas are AWS's defaults (research/anchors.md and the service quota pages named with each);
a ceiling is the quota divided by what one operation uses of it, so it says which quota a
pattern meets first, not what it will reach (latency, retries and other traffic come first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LAMBDA_CONCURRENCY = 1000          # per account-Region (default quota)
API_REQUESTS_PER_S = 10_000        # REST and HTTP APIs, per account-Region (5,000 burst)
KINESIS_RECORDS_PER_SHARD = 1000   # records/s in per shard (or 1 MB/s)
FIFO_CALLS_PER_S = 300             # per API action per FIFO queue without high throughput (x10 batched)
PARTITION_WCU = 1000               # per partition per second
PARTITION_RCU = 3000
S3_WRITES_PER_PREFIX = 3500        # PUT/COPY/POST/DELETE per second per prefix
SNS_PUBLISH_PER_S = 30_000         # us-east-1 standard topics
WEBSOCKET_NEW_CONNECTIONS_PER_S = 500
SFN_STANDARD_STARTS_PER_S = 300    # StartExecution refill per second, us-east-1 (1,300 burst)


@dataclass(frozen=True)
class Limit:
    quota: str
    ceiling: float | None  # operations per second this quota allows, from the metered usage
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"quota": self.quota, "ceiling_ops_per_s": None if self.ceiling is None else round(self.ceiling, 1),
                "note": self.note}


def _ceiling(quota: float, used_per_op: float) -> float | None:
    return quota / used_per_op if used_per_op > 0 else None


def limits_for(resources: dict[str, Any], per_op: dict[str, float], requests_per_op: dict[str, float],
               lambda_seconds_per_op: float) -> list[Limit]:
    """``resources``: the CloudFormation resources (SAM expanded); ``per_op``: metered metrics per
    operation; ``requests_per_op``: requests per operation by ``service:Operation``."""
    types: dict[str, list[dict[str, Any]]] = {}
    for resource in resources.values():
        types.setdefault(resource.get("Type", ""), []).append(resource.get("Properties") or {})
    found: list[Limit] = []
    functions = len(types.get("AWS::Lambda::Function", []))
    if functions:
        found.append(Limit(f"Lambda: {LAMBDA_CONCURRENCY:,} concurrent executions per account-Region, shared by "
                           f"{functions} function(s); +1,000 environments per 10 s per function",
                           _ceiling(LAMBDA_CONCURRENCY, lambda_seconds_per_op),
                           "at this machine's handler durations"))
    if types.get("AWS::ApiGateway::RestApi"):
        found.append(Limit(f"API Gateway REST: {API_REQUESTS_PER_S:,} requests/s per account-Region (5,000 burst)",
                           _ceiling(API_REQUESTS_PER_S, per_op.get("apigateway/rest_requests", 0))))
    v2 = types.get("AWS::ApiGatewayV2::Api", [])
    if any(p.get("ProtocolType") == "HTTP" for p in v2):
        found.append(Limit(f"API Gateway HTTP: {API_REQUESTS_PER_S:,} requests/s per account-Region",
                           _ceiling(API_REQUESTS_PER_S, per_op.get("apigateway/http_requests", 0))))
    if any(p.get("ProtocolType") == "WEBSOCKET" for p in v2):
        found.append(Limit(f"API Gateway WebSocket: {WEBSOCKET_NEW_CONNECTIONS_PER_S} new connections/s and "
                           f"{API_REQUESTS_PER_S:,} messages/s per account-Region",
                           _ceiling(API_REQUESTS_PER_S, per_op.get("apigateway/websocket_messages", 0))))
    for stream in types.get("AWS::Kinesis::Stream", []):
        shards = int(stream.get("ShardCount", 1)) if isinstance(stream.get("ShardCount", 1), (int, str)) else 1
        found.append(Limit(f"Kinesis: {KINESIS_RECORDS_PER_SHARD:,} records/s or 1 MB/s in per shard ({shards} shard(s)); "
                           "records of one shard reach Lambda in order, one batch at a time",
                           _ceiling(shards * KINESIS_RECORDS_PER_SHARD, per_op.get("kinesis/put_payload_units", 0))))
    if any(str(q.get("FifoQueue", "")).lower() == "true" for q in types.get("AWS::SQS::Queue", [])):
        found.append(Limit(f"SQS FIFO: {FIFO_CALLS_PER_S} calls/s per action per queue ({FIFO_CALLS_PER_S * 10:,} "
                           "messages/s in batches of 10); one message group is processed in order, one batch at a time",
                           _ceiling(FIFO_CALLS_PER_S, requests_per_op.get("sqs:SendMessage", 0)
                                    + requests_per_op.get("sqs:SendMessageBatch", 0)),
                           "SendMessage calls per operation, if all go to one FIFO queue"))
    if types.get("AWS::DynamoDB::Table"):
        wru, rru = per_op.get("dynamodb/write_units", 0), per_op.get("dynamodb/read_units", 0)
        ceilings = [c for c in (_ceiling(PARTITION_WCU, wru), _ceiling(PARTITION_RCU, rru)) if c is not None]
        found.append(Limit(f"DynamoDB: {PARTITION_WCU:,} WCU and {PARTITION_RCU:,} RCU per second per partition",
                           min(ceilings) if ceilings else None, "if every operation hits one key (one hot item)"))
    if types.get("AWS::S3::Bucket"):
        found.append(Limit(f"S3: {S3_WRITES_PER_PREFIX:,} PUT/COPY/POST/DELETE per second per prefix",
                           _ceiling(S3_WRITES_PER_PREFIX, per_op.get("s3/tier1_requests", 0)),
                           "if every write goes to one prefix"))
    if types.get("AWS::SNS::Topic"):
        found.append(Limit(f"SNS: {SNS_PUBLISH_PER_S:,} publishes/s per account (us-east-1)",
                           _ceiling(SNS_PUBLISH_PER_S, per_op.get("sns/requests", 0))))
    machines = types.get("AWS::StepFunctions::StateMachine", [])
    if any(m.get("StateMachineType", "STANDARD") == "STANDARD" for m in machines):
        found.append(Limit(f"Step Functions standard: StartExecution {SFN_STANDARD_STARTS_PER_S}/s sustained "
                           "(1,300 burst, us-east-1); 25,000 history events per execution",
                           _ceiling(SFN_STANDARD_STARTS_PER_S, requests_per_op.get("sfn:StartExecution", 0))))
    return found


def binding(limits: list[Limit]) -> Limit | None:
    """The quota a pattern meets first."""
    bounded = [limit for limit in limits if limit.ceiling is not None]
    return min(bounded, key=lambda limit: limit.ceiling or 0.0) if bounded else None
