"""Where moto shortcuts or fakes a behaviour, hand it to the compute plane (moto 5.2.5 is pinned).

- Lambda invocations (direct Invoke, and every moto-internal path) run the real handler.
- S3 event records carry the fields AWS sends; S3 -> Lambda and SNS -> Lambda are asynchronous
  invocations with the real event shapes (moto sends a canned SNS event).
- SQS reads the compute plane's clock (visibility timeouts, delays), and moto's own SQS event
  source mappings (run inside SendMessage, one message at a time) are switched off: the compute
  plane polls instead.
- DynamoDB requests are serialized, so conditional writes are atomic under threads.
Each hook falls back to moto's behaviour when no compute plane is active.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from typing import Any, Protocol


class Plane(Protocol):
    def now(self) -> float: ...
    def invoke_moto_function(self, fn: Any, event: Any) -> tuple[str, bool, str]: ...
    def invoke_async(self, function_arn: str, event: dict[str, Any]) -> None: ...


_active: Plane | None = None
_installed = False
_dynamodb_lock = threading.RLock()
_sequencer = itertools.count(1)


def activate(plane: Plane | None) -> None:
    global _active
    install()
    _active = plane


def active() -> Plane | None:
    return _active


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    _hook_lambda()
    _hook_sqs()
    _hook_s3_events()
    _hook_sns_lambda()
    _hook_dynamodb()


def _hook_lambda() -> None:
    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction._invoke_lambda

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        if _active is None:
            return original(self, event)
        return _active.invoke_moto_function(self, event)

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]


def _hook_sqs() -> None:
    import moto.sqs.models as sqs_models

    original_unix_time = sqs_models.unix_time

    def unix_time(dt: Any = None) -> float:
        if dt is None and _active is not None:
            return _active.now()
        return original_unix_time(dt)

    sqs_models.unix_time = unix_time
    sqs_models.unix_time_millis = lambda dt=None: unix_time(dt) * 1000.0

    # moto keeps mappings per queue and invokes inside SendMessage; give it a mapping table
    # that never holds anything, so only the compute plane's pollers deliver.
    sqs_models.Queue.lambda_event_source_mappings = property(  # type: ignore[assignment]
        lambda self: {} if _active is not None else self.__dict__.setdefault("_moto_esm", {}),
        lambda self, value: self.__dict__.__setitem__("_moto_esm", value),
    )


def _hook_s3_events() -> None:
    import moto.s3.notifications as notifications

    original_event = notifications._get_s3_event
    original_invoke = notifications._invoke_awslambda

    def _get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event = original_event(event_name, bucket, key, notification_id)
        for record in event["Records"]:
            record["userIdentity"] = {"principalId": "AWS:AIDAEXAMPLELOCAL"}
            record["requestParameters"] = {"sourceIPAddress": "127.0.0.1"}
            record["responseElements"] = {
                "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                "x-amz-id-2": uuid.uuid4().hex,
            }
            obj = record["s3"]["object"]
            obj["sequencer"] = f"{next(_sequencer):016X}"
            if getattr(key, "version_id", None) and key.version_id != "null":
                obj["versionId"] = key.version_id
            record["s3"]["bucket"]["ownerIdentity"] = {"principalId": "AEXAMPLELOCAL"}
        return event

    def _invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        if _active is None:
            return original_invoke(account_id, event_body, fn_arn, region_name)
        _active.invoke_async(fn_arn, event_body)

    notifications._get_s3_event = _get_s3_event
    notifications._invoke_awslambda = _invoke_awslambda


def _hook_sns_lambda() -> None:
    from moto.core.utils import iso_8601_datetime_with_milliseconds
    from moto.sns.models import Subscription

    original = Subscription.publish

    def publish(self: Any, message: str, message_id: str, subject: str | None = None,
                message_attributes: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
        if _active is None or self.protocol != "lambda":
            return original(self, message, message_id, subject, message_attributes, *args, **kwargs)
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
            message_attributes, message
        ):
            return None
        region = self.topic.arn.split(":")[3]
        sns = {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": self.topic.arn,
            "Subject": subject,
            "Message": message,
            "Timestamp": iso_8601_datetime_with_milliseconds(),
            "SignatureVersion": "1",
            "Signature": "EXAMPLElocalsignature",
            "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-local.pem",
            "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={self.arn}",
            "MessageAttributes": {
                name: {"Type": value["Type"], "Value": value["Value"]}
                for name, value in (message_attributes or {}).items()
            },
        }
        event = {"Records": [{
            "EventSource": "aws:sns", "EventVersion": "1.0",
            "EventSubscriptionArn": self.arn, "Sns": sns,
        }]}
        _active.invoke_async(self.endpoint, event)
        return None

    Subscription.publish = publish  # type: ignore[method-assign]


def _hook_dynamodb() -> None:
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _dynamodb_lock:
            return original(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def result_for_moto(payload: Any, errored: bool, logs: str) -> tuple[str, bool, str]:
    return json.dumps(payload), errored, logs
