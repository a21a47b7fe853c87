"""SNS -> Lambda: an asynchronous invocation in the compute plane with the event SNS sends
(moto sends a canned one)."""

from __future__ import annotations

from typing import Any

from infra.compute import active
from infra.compute.moto_hooks import patches


def install() -> None:
    if not patches.claim(__name__):
        return
    from moto.core.utils import iso_8601_datetime_with_milliseconds
    from moto.sns.models import Subscription

    original = Subscription.publish

    def publish(self: Any, message: str, message_id: str, subject: str | None = None,
                message_attributes: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
        plane = active.plane()
        if plane is None or self.protocol != "lambda":
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
        plane.invoke_async(self.endpoint, event)
        return None

    patches.patch(Subscription, "publish", publish)
