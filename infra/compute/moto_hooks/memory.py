"""moto's structures that grow with traffic, bounded, so a long ``serve`` or ``up`` levels off
(measured by ``benchmarks/soak.py``).

- moto keeps every model instance it ever created: ``BaseModel.__new__`` appends each to its
  class's ``instances_tracked`` (for its dashboard, ``/moto-api/data.json``), so every SQS
  message and each copy handed to a receiver, every DynamoDB item version written, every log
  event stayed in memory after moto itself let go of it. The list now holds weak references:
  the dashboard lists the instances still alive, the others are freed.
- An SQS queue remembers the receipt handles of every message deleted (a second delete with the
  same handle succeeds, as on AWS): now those of its latest ``DELETED_HANDLES_KEPT`` deletions.
- A CloudWatch Logs stream keeps its latest ``LOG_EVENTS_KEPT`` events (a warm Lambda
  environment writes to one stream for as long as it lives; AWS would keep them, but not in
  this process's memory).
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

from infra.compute.moto_hooks import patches

DELETED_HANDLES_KEPT = 10_000
LOG_EVENTS_KEPT = 2_000


class _InstanceRef(weakref.ref):  # type: ignore[type-arg]
    __slots__ = ("key",)


class LiveInstances:
    """A model class's ``instances_tracked``: appended to as moto does, iterated as a list, but
    holding each instance weakly (keyed by identity: models need not be hashable)."""

    def __init__(self) -> None:
        self._refs: dict[int, _InstanceRef] = {}
        self._forget = self._drop  # one callback for every reference

    def _drop(self, ref: _InstanceRef) -> None:
        if self._refs.get(ref.key) is ref:
            del self._refs[ref.key]

    def append(self, instance: Any) -> None:
        try:
            ref = _InstanceRef(instance, self._forget)
        except TypeError:  # no weak references to it (__slots__): not listed, as not kept
            return
        ref.key = id(instance)
        self._refs[ref.key] = ref

    def __iter__(self) -> Iterator[Any]:
        return iter([instance for ref in list(self._refs.values()) if (instance := ref()) is not None])

    def __len__(self) -> int:
        return len(self._refs)


class RecentHandles:
    """A set of receipt handles that forgets the oldest beyond ``limit`` (insertion order)."""

    def __init__(self, limit: int = DELETED_HANDLES_KEPT) -> None:
        self.limit = limit
        self._handles: dict[str, None] = {}
        self._lock = threading.Lock()

    def __contains__(self, handle: object) -> bool:
        return handle in self._handles

    def __len__(self) -> int:
        return len(self._handles)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._handles))

    def add(self, handle: str) -> None:
        self.update([handle])

    def update(self, handles: Iterable[str]) -> None:
        with self._lock:
            for handle in handles:
                self._handles[handle] = None
            excess = len(self._handles) - self.limit
            if excess > 0:
                for oldest in list(itertools.islice(self._handles, excess)):
                    del self._handles[oldest]


def trim_log_events(stream: Any, keep: int = LOG_EVENTS_KEPT) -> None:
    """Drop a log stream's oldest events beyond ``keep`` (once a quarter over, so the cost is spread)."""
    if len(stream.events) > keep + keep // 4:
        dropped = stream.events[:len(stream.events) - keep]
        del stream.events[:len(stream.events) - keep]
        stream.stored_bytes -= sum(len(event.message) for event in dropped)


def install() -> None:
    if not patches.claim(__name__):
        return
    _track_live_instances_only()
    _bound_deleted_receipt_handles()
    _bound_log_streams()


def _track_live_instances_only() -> None:
    from moto.core.base_backend import InstanceTrackerMeta

    registry: weakref.WeakKeyDictionary[type, LiveInstances] = weakref.WeakKeyDictionary()

    def tracked(cls: type) -> LiveInstances:
        live = registry.get(cls)
        if live is None:
            live = registry[cls] = LiveInstances()
        return live

    def reset(cls: type, _value: Any) -> None:  # moto's reset assigns [] to forget them all
        registry[cls] = LiveInstances()

    # a data descriptor on the metaclass wins over each class's own ``instances_tracked`` list
    patches.patch(InstanceTrackerMeta, "instances_tracked", property(tracked, reset))


def _bound_deleted_receipt_handles() -> None:
    import moto.sqs.models as sqs_models

    original_init = sqs_models.Queue.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.deleted_messages = RecentHandles()

    patches.patch(sqs_models.Queue, "__init__", __init__)


def _bound_log_streams() -> None:
    from moto.logs.models import LogStream

    original_put = LogStream.put_log_events

    def put_log_events(self: Any, log_events: list[dict[str, Any]]) -> str:
        token = original_put(self, log_events)
        trim_log_events(self)
        return str(token)

    patches.patch(LogStream, "put_log_events", put_log_events)
