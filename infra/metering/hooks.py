"""Where requests reach moto in-process: every botocore request the embedded target answers
passes through moto's ``BotocoreStubber`` (handlers' calls, event sources' polls, the front
doors' service integrations, a workload's own calls). ``install()`` wraps it once to count each
request by service and operation and the billable quantities it produced (billing.py); DynamoDB
requests are measured against the items they touch (dynamodb_units.py), under the lock that
serializes DynamoDB requests, so the item sizes before and after belong to that request alone.
"""

from __future__ import annotations

from typing import Any

from infra.compute.moto_hooks import patches
from infra.metering import billing
from infra.metering import dynamodb_units as ddb
from infra.metering.meter import METER, metering_paused

# control planes the toolkit itself reads (front doors loading APIs and keys, deploys): AWS bills
# no request of theirs, and what API Gateway does bill is counted by the front doors
NOT_COUNTED = frozenset({"api-gateway", "apigatewayv2", "iam", "sts", "cloudformation", "logs"})
NEEDS_ANSWER = {"sqs": {"ReceiveMessage"}, "sfn": {"StartExecution", "StartSyncExecution"}}
started_executions: list[tuple[str, str]] = []  # (state machine ARN, execution ARN), in order


def install() -> None:
    if not patches.claim(__name__):
        return
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.__call__

    def __call__(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        service = event_name.split(".")[1] if event_name.count(".") >= 2 else ""
        if not self.enabled or metering_paused() or service in NOT_COUNTED:
            return original(self, event_name, request, **kwargs)
        operation = event_name.split(".", 2)[2]
        if service == "dynamodb" and operation in ddb.READS | ddb.WRITES:
            return _dynamodb(lambda: original(self, event_name, request, **kwargs), operation, request)
        response = original(self, event_name, request, **kwargs)
        answer = response.content if response is not None and operation in NEEDS_ANSWER.get(service, ()) else None
        if service == "sfn" and answer is not None and response.status_code == 200:
            _remember_execution(request, answer)
        METER.request(service, operation, billing.metrics_for(service, operation, request, answer))
        return response

    patches.patch(BotocoreStubber, "__call__", __call__)
    _hook_s3_notifications()


def _hook_s3_notifications() -> None:
    """S3 event notifications published into SNS or sent into SQS are requests those services
    bill (moto makes them inside the S3 call, not through botocore)."""
    import moto.s3.notifications as notifications

    for name, service, metric in (("_send_sns_message", "sns", "sns/requests"),
                                  ("_send_sqs_message", "sqs", "sqs/requests")):
        original = getattr(notifications, name)

        def send(*args: Any, __original: Any = original, __service: str = service, __metric: str = metric,
                 **kwargs: Any) -> Any:
            METER.request(__service, "S3 event notification", {__metric: 1.0})
            return __original(*args, **kwargs)

        patches.patch(notifications, name, send)


def _remember_execution(request: Any, answer: bytes) -> None:
    machine = billing.json_body(billing.body_bytes(request)).get("stateMachineArn", "")
    execution = billing.json_body(answer).get("executionArn")
    if execution:
        started_executions.append((machine, execution))


def _dynamodb(call: Any, operation: str, request: Any) -> Any:
    from infra.compute.moto_hooks.dynamodb import dynamodb_lock

    body = billing.json_body(billing.body_bytes(request))
    region = _region(request.url)
    if operation in ddb.READS:
        response = call()
        units = ddb.read_request_units(operation, body, billing.json_body(response.content)) \
            if response is not None and response.status_code == 200 else 0.0
        METER.request("dynamodb", operation, {"dynamodb/read_units": units} if units else {})
        return response
    writes = ddb.writes_of(operation, body)
    with dynamodb_lock:
        before = [stored_size(region, w.table, w.attributes) for w in writes]
        response = call()
        after = [stored_size(region, w.table, w.attributes) for w in writes]
    METER.request("dynamodb", operation, {"dynamodb/write_units": ddb.write_request_units(writes, before, after)})
    return response


def _region(url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0]
    parts = host.split(".")
    return parts[1] if len(parts) > 2 else "us-east-1"


def stored_size(region: str, table_name: str, attributes: dict[str, Any]) -> int | None:
    """The size of the stored item with these key attributes, read from moto's backend."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType

    try:
        table = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].tables.get(table_name)
        if table is None or table.hash_key_attr not in attributes:
            return None
        hash_value = DynamoType(attributes[table.hash_key_attr])
        range_value = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr in attributes else None
        item = table.get_item(hash_value, range_value)
    except Exception:  # noqa: BLE001 - a malformed request: moto answers it; it has no stored size
        return None
    return None if item is None else ddb.item_size(item.to_json()["Attributes"])
