"""SQS reads the compute plane's clock (visibility timeouts, delays), and a FIFO group resumes
in order once its messages' visibility timeouts pass."""

from __future__ import annotations

from typing import Any

from infra.compute import active
from infra.compute.moto_hooks import patches


def install() -> None:
    if not patches.claim(__name__):
        return
    import moto.sqs.models as sqs_models

    original_unix_time = sqs_models.unix_time

    def unix_time(dt: Any = None) -> float:
        plane = active.plane()
        if dt is None and plane is not None:
            return plane.now()
        return original_unix_time(dt)

    patches.patch(sqs_models, "unix_time", unix_time)
    patches.patch(sqs_models, "unix_time_millis", lambda dt=None: unix_time(dt) * 1000.0)

    # A FIFO group stays locked while any of its received messages is "pending". moto releases
    # the pending messages whose visibility timeout passed one by one *during* ReceiveMessage, so
    # when a1, a2, a3 of one group all come back, a1 and a2 are skipped (a3 still pends) and a3 is
    # delivered first. Release every expired one before the receive, so the group resumes in order.
    original_receive = sqs_models.SQSBackend.receive_message

    def receive_message(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        queue = self.get_queue(queue_name)
        for message in [m for m in queue.pending_messages if m.visible]:
            queue.pending_messages.discard(message)
        return original_receive(self, queue_name, *args, **kwargs)

    patches.patch(sqs_models.SQSBackend, "receive_message", receive_message)
