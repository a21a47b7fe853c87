"""Which IAM action(s) and resource ARN(s) a request to moto is, as AWS authorizes it.

``authorizations(call)`` turns one API call (service, operation, parameters) into the
(action, resource) pairs AWS checks: mostly one, several for batch and transaction calls that
touch several tables or keys, two for a CopyObject (read the source, write the target) or a
CreateSchedule (the schedule, and iam:PassRole on its target's role).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import unquote, urlparse

Authorization = tuple[str, str]  # (action, resource ARN or '*')


@dataclass
class Call:
    """One API call as it reaches moto."""

    service: str  # moto's service name (awslambda, dynamodb, s3, ...)
    operation: str  # the API operation (PutItem) or, for S3, moto's IAM action name
    region: str
    account: str
    params: dict[str, Any] = field(default_factory=dict)  # the request's parameters (JSON or query)
    path: str = "/"
    host: str = ""
    method: str = "POST"
    resource: str = "*"  # what moto itself computed (S3: the bucket/key ARN)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


# moto service name -> IAM service prefix, where they differ
PREFIXES = {"awslambda": "lambda", "stepfunctions": "states", "dynamodbstreams": "dynamodb",
            "apigatewaymanagementapi": "execute-api", "cloudwatch": "cloudwatch"}
# operations whose IAM action has another name
ACTION_NAMES = {
    "lambda": {"Invoke": "InvokeFunction", "InvokeAsync": "InvokeFunction",
               "InvokeWithResponseStream": "InvokeFunction"},
    "sqs": {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
            "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"},
    "sns": {"PublishBatch": "Publish"},
    "s3": {"HeadObject": "GetObject", "HeadBucket": "ListBucket", "ListObjects": "ListBucket",
           "ListObjectsV2": "ListBucket", "ListObjectVersions": "ListBucketVersions",
           "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject",
           "CompleteMultipartUpload": "PutObject", "CopyObject": "PutObject",
           "GetBucketNotificationConfiguration": "GetBucketNotification",
           "PutBucketNotificationConfiguration": "PutBucketNotification",
           "DeleteObjects": "DeleteObject"},
}
# calls every principal may make (no permission needed)
UNCHECKED = {("sts", "GetCallerIdentity")}


def action_name(prefix: str, operation: str) -> str:
    return f"{prefix}:{ACTION_NAMES.get(prefix, {}).get(operation, operation)}"


def authorizations(call: Call) -> list[Authorization]:
    prefix = PREFIXES.get(call.service, call.service)
    if (prefix, call.operation) in UNCHECKED:
        return []
    resources = _RESOURCES.get(prefix)
    if resources is None:
        return [(action_name(prefix, call.operation), "*")]
    return resources(call, prefix)


def _arn(call: Call, service: str, rest: str) -> str:
    return f"arn:aws:{service}:{call.region}:{call.account}:{rest}"


def _one(call: Call, prefix: str, resource: str) -> list[Authorization]:
    return [(action_name(prefix, call.operation), resource)]


# -- DynamoDB ---------------------------------------------------------------------------------
_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def _table(call: Call, name: str) -> str:
    return name if name.startswith("arn:") else _arn(call, "dynamodb", f"table/{name}")


def _dynamodb(call: Call, prefix: str) -> list[Authorization]:
    p = call.params
    if "StreamArn" in p:
        return _one(call, prefix, p["StreamArn"])
    if call.operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{call.operation}", _table(call, t)) for t in p.get("RequestItems", {})]
    if call.operation in ("TransactWriteItems", "TransactGetItems"):
        found = []
        for entry in p.get("TransactItems", []):
            for kind, op in entry.items():
                found.append((f"dynamodb:{_TRANSACT_ACTIONS.get(kind, kind)}", _table(call, op.get("TableName", ""))))
        return found
    if "TableName" not in p:
        return _one(call, prefix, "*")
    table = _table(call, p["TableName"])
    if p.get("IndexName"):
        table += f"/index/{p['IndexName']}"
    return _one(call, prefix, table)


# -- SQS, SNS ---------------------------------------------------------------------------------
def queue_arn_from_url(url: str, region: str) -> str:
    """https://sqs.us-east-1.amazonaws.com/123456789012/name (or a local endpoint) -> its ARN."""
    parts = [p for p in urlparse(url).path.split("/") if p]
    if len(parts) < 2:
        return "*"
    host_region = re.search(r"sqs\.([a-z0-9-]+)\.", urlparse(url).netloc)
    return f"arn:aws:sqs:{host_region.group(1) if host_region else region}:{parts[-2]}:{parts[-1]}"


def _sqs(call: Call, prefix: str) -> list[Authorization]:
    p = call.params
    if p.get("QueueUrl"):
        return _one(call, prefix, queue_arn_from_url(p["QueueUrl"], call.region))
    if p.get("QueueName"):
        owner = p.get("QueueOwnerAWSAccountId") or call.account
        return _one(call, prefix, f"arn:aws:sqs:{call.region}:{owner}:{p['QueueName']}")
    return _one(call, prefix, "*")


def _sns(call: Call, prefix: str) -> list[Authorization]:
    p = call.params
    arn = p.get("TopicArn") or p.get("TargetArn") or p.get("ResourceArn")
    if not arn and call.operation == "CreateTopic" and p.get("Name"):
        arn = _arn(call, "sns", p["Name"])
    if not arn and p.get("SubscriptionArn"):
        arn = p["SubscriptionArn"].rsplit(":", 1)[0]  # a subscription is authorized on its topic
    return _one(call, prefix, arn or "*")


# -- S3 ---------------------------------------------------------------------------------------
def _s3(call: Call, prefix: str) -> list[Authorization]:
    action = action_name(prefix, call.operation)
    if call.operation in ("DeleteObject", "DeleteObjects") and "/" not in call.resource.split(":::", 1)[-1]:
        keys = re.findall(rb"<Key>(.*?)</Key>", call.body or b"")
        if keys:  # DeleteObjects: s3:DeleteObject on every key named in the body
            return [("s3:DeleteObject", f"{call.resource}/{k.decode()}") for k in keys]
    found = [(action, call.resource)]
    source = call.headers.get("x-amz-copy-source") or call.headers.get("X-Amz-Copy-Source")
    if source and call.operation in ("PutObject", "CopyObject"):
        found.append(("s3:GetObject", "arn:aws:s3:::" + unquote(source.split("?")[0].lstrip("/"))))
    return found


# -- Lambda, Kinesis, Step Functions, Scheduler, EventBridge, Logs, execute-api -------------------
def _lambda(call: Call, prefix: str) -> list[Authorization]:
    match = re.search(r"/functions/([^/]+)", call.path)
    if not match:
        return _one(call, prefix, "*")
    name = unquote(match.group(1))
    if name.startswith("arn:"):
        arn = ":".join(name.split(":")[:7])
    elif ":" in name:  # account:function:name or name:qualifier
        arn = _arn(call, "lambda", f"function:{name.split(':')[0]}")
    else:
        arn = _arn(call, "lambda", f"function:{name}")
    return _one(call, prefix, arn)


def _kinesis(call: Call, prefix: str) -> list[Authorization]:
    p = call.params
    if p.get("StreamARN"):
        return _one(call, prefix, p["StreamARN"])
    name = p.get("StreamName")
    if not name and p.get("ShardIterator"):  # moto's iterators are base64 of "stream:shard:sequence"
        try:
            name = base64.b64decode(p["ShardIterator"]).decode().split(":")[0]
        except ValueError:
            name = None
    return _one(call, prefix, _arn(call, "kinesis", f"stream/{name}") if name else "*")


def _states(call: Call, prefix: str) -> list[Authorization]:
    p = call.params
    arn = p.get("stateMachineArn") or p.get("executionArn") or p.get("activityArn") or p.get("mapRunArn")
    return _one(call, prefix, arn or "*")


def _scheduler(call: Call, prefix: str) -> list[Authorization]:
    p = call.params
    match = re.search(r"/schedules/([^/?]+)", call.path)
    if not match:
        return _one(call, prefix, "*")
    group = p.get("GroupName") or p.get("groupName") or "default"
    found = [(action_name(prefix, call.operation),
              _arn(call, "scheduler", f"schedule/{group}/{unquote(match.group(1))}"))]
    role = (p.get("Target") or {}).get("RoleArn")
    if role and call.operation in ("CreateSchedule", "UpdateSchedule"):
        found.append(("iam:PassRole", role))
    return found


def _events(call: Call, prefix: str) -> list[Authorization]:
    p = call.params
    if call.operation == "PutEvents":
        buses = {e.get("EventBusName") or "default" for e in p.get("Entries", [])} or {"default"}
        return [("events:PutEvents", b if b.startswith("arn:") else _arn(call, "events", f"event-bus/{b}"))
                for b in sorted(buses)]
    bus = p.get("EventBusName") or "default"
    rule = p.get("Name") if "Rule" in call.operation or call.operation.endswith("Targets") else None
    rule = rule or p.get("Rule")
    if rule:
        return _one(call, prefix, _arn(call, "events", f"rule/{rule}" if bus == "default" else f"rule/{bus}/{rule}"))
    return _one(call, prefix, "*")


def _logs(call: Call, prefix: str) -> list[Authorization]:
    p = call.params
    group = p.get("logGroupName")
    if not group:
        return _one(call, prefix, "*")
    if p.get("logStreamName") and call.operation in ("CreateLogStream", "PutLogEvents"):
        return _one(call, prefix, _arn(call, "logs", f"log-group:{group}:log-stream:{p['logStreamName']}"))
    return _one(call, prefix, _arn(call, "logs", f"log-group:{group}" + ("" if call.operation == "CreateLogGroup" else ":*")))


def _execute_api(call: Call, prefix: str) -> list[Authorization]:
    """The API Gateway management API: execute-api:ManageConnections on
    arn:aws:execute-api:region:account:api-id/stage/METHOD/@connections/id."""
    api_id = call.host.split(".", 1)[0]
    stage, _, connection = call.path.lstrip("/").partition("/@connections/")
    resource = _arn(call, "execute-api", f"{api_id}/{stage or '*'}/{call.method}/@connections/{unquote(connection)}")
    return [("execute-api:ManageConnections", resource)]


_RESOURCES: dict[str, Callable[[Call, str], list[Authorization]]] = {
    "dynamodb": _dynamodb, "sqs": _sqs, "sns": _sns, "s3": _s3, "lambda": _lambda, "kinesis": _kinesis,
    "states": _states, "scheduler": _scheduler, "events": _events, "logs": _logs, "execute-api": _execute_api,
}
