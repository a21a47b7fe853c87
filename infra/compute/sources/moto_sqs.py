"""moto's SQS, where it differs from SQS for event sources (moto 5.2.5 is pinned).

- moto runs its own event source mappings inside SendMessage, one message at a time: switched
  off (the queue's mapping table never holds anything), so only the compute plane's pollers deliver.
- FIFO deduplication: moto compares a message only against messages still in the queue; SQS
  remembers a deduplication id for 5 minutes even after the message was deleted. Ids are kept
  per queue (per message group with DeduplicationScope=messageGroup, which moto ignored) on the
  plane's clock; a duplicate is accepted, not enqueued, and answered with the original's MessageId.
- FIFO messages get a SequenceNumber (moto gives one only with an explicit deduplication id,
  at random): 20 digits, increasing per queue.
- A queue's attributes: moto builds the whole attribute map, converting each name from camelCase
  to snake_case, up to twice for every name a GetQueueAttributes asks for (the plane's settle asks
  three of every mapped queue); the conversion, a pure function of the name, is remembered.
Each hook falls back to moto's behaviour when no compute plane is active.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from infra.compute import active
from infra.compute.moto_hooks import patches

DEDUPLICATION_WINDOW_SECONDS = 300.0
_SEQUENCE_BASE = 18_000_000_000_000_000_000  # 20 digits, as SQS's FIFO sequence numbers
_lock = threading.Lock()


def _plane_active() -> bool:
    return active.plane() is not None


def install_moto_hooks() -> None:
    if not patches.claim(__name__):
        return
    import moto.sqs.models as sqs_models

    patches.patch(sqs_models, "camelcase_to_underscores", lru_cache(maxsize=None)(sqs_models.camelcase_to_underscores))
    # moto keeps mappings per queue and invokes inside SendMessage; give it a mapping table
    # that never holds anything, so only the compute plane's pollers deliver.
    patches.patch(sqs_models.Queue, "lambda_event_source_mappings", property(
        lambda self: {} if _plane_active() else self.__dict__.setdefault("lambda_event_source_mappings", {}),
        # kept under moto's own name, which the property hides: there again once the hooks are removed
        lambda self, value: self.__dict__.__setitem__("lambda_event_source_mappings", value),
    ))

    original_add = sqs_models.Queue.add_message

    def add_message(self: Any, message: Any) -> None:
        if not self.fifo_queue or not _plane_active():
            return original_add(self, message)
        with _lock:
            state = self.__dict__.setdefault("_toolkit_fifo", _FifoState())
            if message.deduplication_id:
                scope = message.group_id if self.attributes.get("DeduplicationScope") == "messageGroup" else None
                original = state.seen(scope, message.deduplication_id, message.sent_timestamp / 1000.0)
                if original is not None:
                    message.id, message.sequence_number = original.id, original.sequence_number
                    return None  # accepted, not delivered again
                state.remember(scope, message.deduplication_id, message)
            message.sequence_number = str(_SEQUENCE_BASE + next(state.sequence))
        # moto's own check (queued messages, whatever their group) is covered by the one above
        dedup_id, message.deduplication_id = message.deduplication_id, None
        try:
            return original_add(self, message)
        finally:
            message.deduplication_id = dedup_id

    patches.patch(sqs_models.Queue, "add_message", add_message)


class _FifoState:
    """A FIFO queue's deduplication ids of the last 5 minutes and its sequence counter."""

    def __init__(self) -> None:
        self.ids: OrderedDict[tuple[str | None, str], tuple[float, Any]] = OrderedDict()
        self.sequence = itertools.count(1)

    def seen(self, scope: str | None, dedup_id: str, now: float) -> Any:
        while self.ids:  # forget ids past the window (oldest first)
            key, (sent, _) = next(iter(self.ids.items()))
            if now - sent < DEDUPLICATION_WINDOW_SECONDS:
                break
            self.ids.popitem(last=False)
        entry = self.ids.get((scope, dedup_id))
        return entry[1] if entry is not None else None

    def remember(self, scope: str | None, dedup_id: str, message: Any) -> None:
        self.ids[(scope, dedup_id)] = (message.sent_timestamp / 1000.0, message)
