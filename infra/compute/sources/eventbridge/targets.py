"""Delivering an event to a rule's target, as EventBridge does, with its retry policy.

Lambda targets are invoked asynchronously (the plane's ``invoke_async``: Lambda's own two retries
follow a function error); SQS (FIFO: the target's MessageGroupId, the event id as deduplication
id), SNS and Step Functions (StartExecution) targets are called through their APIs. A delivery
that fails (the queue or function is gone, the call is refused) is retried after 1, 2, 4 … up to
300 s (the toolkit's back-off) until the target's RetryPolicy (185 attempts, 24 hours by default)
runs out; a target that does not exist or whose policy does not allow the delivery is not retried
(as EventBridge does). Then the event goes to the target's DeadLetterConfig queue with EventBridge's attributes
(RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE), or is kept in ``failed`` and reported.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from infra.compute.sources import SourceContext
from infra.exceptions import ToolkitError

DEFAULT_RETRY_ATTEMPTS = 185
DEFAULT_MAX_EVENT_AGE = 86400.0
MAX_BACKOFF_SECONDS = 300.0
TARGET_SERVICES = ("lambda", "sqs", "sns", "states")


class TargetDeliveryError(ToolkitError):
    """The target refused the delivery, or cannot be reached."""


class TargetNotAuthorized(TargetDeliveryError):
    """The target's resource policy (or a Step Functions target's role) does not let EventBridge
    deliver: not retried, straight to the dead-letter queue, as EventBridge does."""

    code = "NO_PERMISSIONS"


@dataclass(order=True)
class Delivery:
    due: float
    seq: int
    rule_arn: str = field(compare=False)
    target: dict[str, Any] = field(compare=False)
    event: dict[str, Any] = field(compare=False)  # the original event (the DLQ gets it)
    payload: str = field(compare=False)  # what the target receives
    accepted: float = field(compare=False, default=0.0)
    attempt: int = field(compare=False, default=1)


def arn_parts(arn: str) -> tuple[str, str, str, str]:
    """service, region, account, resource of an ARN."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        raise TargetDeliveryError(f"{arn!r} is not an ARN")
    return parts[2], parts[3], parts[4], parts[5]


class Deliverer:
    def __init__(self, ctx: SourceContext, invoke_async: Callable[[str, Any], None]) -> None:
        self.ctx = ctx
        self.invoke_async = invoke_async

    def deliver(self, delivery: Delivery) -> None:
        """Hand the payload to the target; raises what the target answered when it failed."""
        target = delivery.target
        service, _, account, resource = arn_parts(target["Arn"])
        _check_permission(delivery, service)
        if service == "lambda":
            self.ctx.clients("lambda").get_function(FunctionName=target["Arn"])  # it must exist to be invoked
            self.invoke_async(target["Arn"], _json_or_text(delivery.payload))
        elif service == "sqs":
            sqs = self.ctx.clients("sqs")
            url = sqs.get_queue_url(QueueName=resource, QueueOwnerAWSAccountId=account)["QueueUrl"]
            kwargs: dict[str, Any] = {"QueueUrl": url, "MessageBody": delivery.payload}
            if resource.endswith(".fifo"):
                kwargs["MessageGroupId"] = (target.get("SqsParameters") or {}).get("MessageGroupId", "")
                kwargs["MessageDeduplicationId"] = delivery.event.get("id", "")
            sqs.send_message(**kwargs)
        elif service == "sns":
            self.ctx.clients("sns").publish(TopicArn=target["Arn"], Message=delivery.payload)
        elif service == "states":
            self.ctx.clients("stepfunctions").start_execution(
                stateMachineArn=target["Arn"], name=str(uuid.uuid4()), input=delivery.payload)
        else:
            raise TargetDeliveryError(f"targets of {service} are not run by the compute plane "
                                      f"(targets run here: {', '.join(TARGET_SERVICES)})")

    def retry_at(self, delivery: Delivery, now: float) -> float | None:
        """When to try a failed delivery again, or None when its retry policy has run out."""
        policy = delivery.target.get("RetryPolicy") or {}
        attempts = int(policy.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS))
        max_age = float(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE))
        due = now + min(2.0 ** (delivery.attempt - 1), MAX_BACKOFF_SECONDS)
        if delivery.attempt > attempts or due - delivery.accepted > max_age:
            return None
        return due

    def dead_letter(self, delivery: Delivery, error: Exception) -> bool:
        """Send the event to the target's dead-letter queue; False when it has none or it failed."""
        arn = ((delivery.target.get("DeadLetterConfig") or {}).get("Arn"))
        if not arn:
            return False
        code = getattr(error, "code", None) or getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
        try:
            _, _, account, name = arn_parts(arn)
            sqs = self.ctx.clients("sqs")
            url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
            attributes = {"RULE_ARN": delivery.rule_arn, "TARGET_ARN": delivery.target["Arn"],
                          "ERROR_CODE": code, "ERROR_MESSAGE": str(error)[:256]}
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(delivery.event),
                             MessageAttributes={k: {"DataType": "String", "StringValue": v or "-"}
                                                for k, v in attributes.items()})
        except Exception:  # noqa: BLE001 - the caller keeps the delivery in ``failed``
            return False
        return True


_MISSING_TARGET_CODES = {"ResourceNotFoundException", "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist",
                         "NotFound", "StateMachineDoesNotExist"}


def not_retried(error: Exception) -> bool:
    """EventBridge does not retry a delivery the target's permissions refuse, or to a target gone."""
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return isinstance(error, TargetNotAuthorized) or code in _MISSING_TARGET_CODES


_RESOURCE_ACTIONS = {"lambda": "lambda:InvokeFunction", "sqs": "sqs:SendMessage", "sns": "sns:Publish"}


def _check_permission(delivery: Delivery, service: str) -> None:
    """With IAM enforced (infra/compute/iam), EventBridge delivers only where AWS would: the
    function's, queue's or topic's policy allows events.amazonaws.com for this rule; a Step
    Functions target names a role that may start the execution."""
    from infra.compute.iam import enforcing
    from infra.compute.iam.deliveries import role_may, service_may

    if not enforcing():
        return
    arn = delivery.target["Arn"]
    account = delivery.rule_arn.split(":")[4]
    if service in _RESOURCE_ACTIONS:
        if not service_may("events.amazonaws.com", _RESOURCE_ACTIONS[service], arn, delivery.rule_arn, account):
            raise TargetNotAuthorized(f"the policy of {arn} does not allow events.amazonaws.com to perform "
                                      f"{_RESOURCE_ACTIONS[service]} for {delivery.rule_arn}")
    elif service == "states":
        role = delivery.target.get("RoleArn")
        if not role or not role_may(role, "eventbridge", "states:StartExecution", arn):
            raise TargetNotAuthorized(f"a Step Functions target needs a RoleArn allowed states:StartExecution "
                                      f"on {arn} (got {role or 'none'})")


def _json_or_text(payload: str) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload
