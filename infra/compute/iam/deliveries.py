"""Service-to-service deliveries, checked against the resource policies AWS checks.

- S3 notifications: PutBucketNotificationConfiguration fails, as on AWS, with InvalidArgument
  "Unable to validate the following destination configurations" when the destination topic's,
  queue's or function's policy does not allow s3.amazonaws.com (with the bucket as source), so a
  template without the topic policy, queue policy or Lambda permission fails its deploy.
- SNS -> SQS and SNS -> Lambda: a message the queue policy (or the function's permissions) does
  not allow sns.amazonaws.com to deliver is not delivered, as on AWS; the toolkit logs a warning
  (logger ``toolkit.iam``) and keeps it in ``denied_deliveries``.
- Event source mappings: CreateEventSourceMapping fails, as on AWS, with
  InvalidParameterValueException when the function's execution role may not read the source
  (SQS: ReceiveMessage, DeleteMessage, GetQueueAttributes; Kinesis and DynamoDB streams:
  GetRecords, GetShardIterator, DescribeStream, ListStreams), since the poller uses that role.
"""

from __future__ import annotations

import collections
import logging
from typing import Any

from infra.compute.iam import enforcing, policies
from infra.compute.iam.exceptions import IamError
from infra.compute.iam.policy import Principal, Request, evaluate
from infra.compute.iam.sessions import session_arn
from infra.compute.moto_hooks import patches

log = logging.getLogger("toolkit.iam")
denied_deliveries: collections.deque[dict[str, str]] = collections.deque(maxlen=1000)

_NOTIFICATION_KINDS = {"TopicConfiguration": ("Topic", "sns:Publish", "topic"),
                       "QueueConfiguration": ("Queue", "sqs:SendMessage", "queue"),
                       "CloudFunctionConfiguration": ("CloudFunction", "lambda:InvokeFunction", "function")}
POLLER_ACTIONS = {
    "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "kinesis": ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:ListStreams"),
    "dynamodb": ("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                 "dynamodb:ListStreams"),
}


def service_may(service: str, action: str, destination: str, source_arn: str, source_account: str) -> bool:
    """Whether the destination's resource policy lets ``service`` (e.g. s3.amazonaws.com) perform
    ``action`` on it for a delivery from ``source_arn``."""
    context = {"aws:sourcearn": source_arn, "aws:sourceaccount": source_account}
    request = Request(Principal(service=service), action, destination, context)
    try:
        return evaluate(request, (), policies.resource_policy(destination, source_account)).allowed
    except IamError as exc:
        log.warning("%s delivery to %s denied: %s", service, destination, exc)
        return False


def role_may(role_arn: str, function_name: str, action: str, resource: str) -> bool:
    principal = Principal(arn=session_arn(role_arn, function_name), role_arn=role_arn, account=role_arn.split(":")[4])
    try:
        return evaluate(Request(principal, action, resource, {"aws:principalarn": role_arn}),
                        policies.identity_policies(role_arn), policies.resource_policy(resource, principal.account)).allowed
    except IamError:
        return False


def install() -> None:
    _hook_s3_notifications()
    _hook_sns_deliveries()
    _hook_event_source_mappings()


def _entries(value: Any) -> list[dict[str, Any]]:
    if not value:
        return []
    return value if isinstance(value, list) else [value]


def _hook_s3_notifications() -> None:
    from moto.s3.exceptions import InvalidArgumentError
    from moto.s3.models import S3Backend

    original = S3Backend.put_bucket_notification_configuration

    def put_bucket_notification_configuration(self: Any, bucket_name: str, notification_config: dict[str, Any]) -> None:
        if enforcing():
            source = f"arn:aws:s3:::{bucket_name}"
            for kind, (key, action, noun) in _NOTIFICATION_KINDS.items():
                for entry in _entries((notification_config or {}).get(kind)):
                    destination = str(entry.get(key, ""))
                    if not service_may("s3.amazonaws.com", action, destination, source, self.account_id):
                        raise InvalidArgumentError(
                            "Unable to validate the following destination configurations", destination,
                            f"Permissions on the destination {noun} do not allow S3 to publish notifications "
                            f"from this bucket")
        return original(self, bucket_name, notification_config)

    patches.patch(S3Backend, "put_bucket_notification_configuration", put_bucket_notification_configuration)


def _hook_sns_deliveries() -> None:
    from moto.sns.models import Subscription

    original = Subscription.publish

    def publish(self: Any, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
        if enforcing() and self.protocol in ("sqs", "lambda"):
            action = "sqs:SendMessage" if self.protocol == "sqs" else "lambda:InvokeFunction"
            if not service_may("sns.amazonaws.com", action, self.endpoint, self.topic.arn, self.account_id):
                denied_deliveries.append({"topic": self.topic.arn, "endpoint": self.endpoint,
                                          "message_id": message_id, "action": action})
                log.warning("SNS did not deliver message %s from %s to %s: its %s does not allow "
                            "sns.amazonaws.com to perform %s (as on AWS, the message is not delivered)",
                            message_id, self.topic.arn, self.endpoint,
                            "queue policy" if self.protocol == "sqs" else "function policy", action)
                return None
        return original(self, message, message_id, *args, **kwargs)

    patches.patch(Subscription, "publish", publish)


def _hook_event_source_mappings() -> None:
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.awslambda.models import LambdaBackend

    original = LambdaBackend.create_event_source_mapping

    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        source = str(spec.get("EventSourceArn") or "")
        service = source.split(":")[2] if source.count(":") >= 5 else ""
        if enforcing() and service in POLLER_ACTIONS and spec.get("FunctionName"):
            fn = self._lambdas.get_function_by_name_or_arn_with_qualifier(spec["FunctionName"])
            for action in POLLER_ACTIONS[service]:
                if not role_may(fn.role, fn.function_name, action, source):
                    raise InvalidParameterValueException(_poller_message(service, action, source))
        return original(self, spec)

    patches.patch(LambdaBackend, "create_event_source_mapping", create_event_source_mapping)


def _poller_message(service: str, action: str, source: str) -> str:
    if service == "sqs":
        return (f"The provided execution role does not have permissions to call {action.split(':')[1]} on SQS "
                f"({source})")
    return (f"Cannot access stream {source}. Please ensure the role can perform the GetRecords, "
            f"GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM "
            f"({action} is not allowed).")
