"""The programming model: a class per kind of object, a namespace per class, stubs that run the
object's code under the object's lease with its storage.

    class Counter(DurableObject):
        def increment(self, by: int = 1) -> int:
            value = self.storage.get("value", 0) + by
            self.storage.put("value", value)
            return value

    counters = Namespace(Counter)                  # table from DURABLE_OBJECTS_TABLE
    counters.get(counters.id_from_name("hits")).increment()

A stub call runs in the calling Lambda: it takes the object's lease (the input gate), builds a
fresh instance of the class over the object's storage, runs the method, commits the writes with
the lease check (the output gate) and only then returns the result and delivers the WebSocket
messages the request sent.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable

from durable_objects import ids, runtime
from durable_objects.errors import DurableObjectError, UnknownMethodError
from durable_objects.gate import Capacity, Gate
from durable_objects.storage import Storage, cache


@dataclass
class Request:
    method: str = "GET"
    path: str = "/"
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        if isinstance(self.body, (str, bytes)):
            return json.loads(self.body) if self.body else None
        return self.body


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class DurableObject:
    """Subclass it; public methods are callable through stubs, ``fetch(request)`` takes requests,
    ``alarm()`` runs when the alarm set with ``self.storage.set_alarm(t)`` is due."""

    def __init__(self, state: "State", env: dict[str, Any]) -> None:
        self.state = state
        self.storage = state.storage
        self.env = env

    def fetch(self, request: Request) -> Response:
        return Response(404, {"error": f"{type(self).__name__} does not handle {request.method} {request.path}"})

    def alarm(self) -> None:
        """Override to act on the alarm."""


@dataclass
class State:
    id: ids.ObjectId
    storage: Storage
    namespace: "Namespace"
    outbox: list[tuple[str, Any]] = field(default_factory=list)  # (connection id, message) after commit

    @property
    def websockets(self) -> Any:
        from durable_objects.sockets import Sockets

        return Sockets(self)


_RESERVED = set(dir(DurableObject))


def callable_methods(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_") and name not in _RESERVED
            and callable(getattr(cls, name, None))}


class Namespace:
    def __init__(self, cls: type[DurableObject], table: str | None = None, env: dict[str, Any] | None = None,
                 client: Any = None, clock: Any = None, lease_seconds: float | None = None, max_wait: float = 30.0,
                 name: str | None = None, alarms: Any = None, websocket_endpoint: str | None = None) -> None:
        if not (isinstance(cls, type) and issubclass(cls, DurableObject)):
            raise TypeError(f"a namespace needs a DurableObject subclass, not {cls!r}")
        self.cls = cls
        self.name = name or cls.__name__
        self._table = table
        self.env = env if env is not None else {}
        self._client = client
        self._now: Callable[[], float] = clock.now if clock is not None else runtime.now
        # the lease: long enough for any one request; a crashed owner holds the object this long
        self.lease_seconds = (lease_seconds if lease_seconds is not None
                              else float(os.environ.get("DURABLE_OBJECTS_LEASE_SECONDS") or 10.0))
        self.max_wait = max_wait
        self._alarms = alarms
        self.websocket_endpoint = websocket_endpoint  # default: DURABLE_OBJECTS_WEBSOCKET_ENDPOINT
        self.capacity = Capacity()
        self.methods = callable_methods(cls)

    @property
    def table(self) -> str:
        table = self._table or os.environ.get("DURABLE_OBJECTS_TABLE")
        if not table:
            raise DurableObjectError("no table: pass table= or set DURABLE_OBJECTS_TABLE")
        return table

    @property
    def client(self) -> Any:
        return self._client if self._client is not None else runtime.client("dynamodb")

    @property
    def alarms(self) -> Any:
        if self._alarms is None:
            from durable_objects.alarms import SchedulerAlarms

            return SchedulerAlarms.from_environment()
        return self._alarms

    def now(self) -> float:
        return self._now()

    # -- ids --------------------------------------------------------------------------------
    def id_from_name(self, name: str) -> ids.ObjectId:
        return ids.id_from_name(self.name, name)

    def new_unique_id(self) -> ids.ObjectId:
        return ids.new_unique_id(self.name)

    def id_from_string(self, text: str) -> ids.ObjectId:
        return ids.id_from_string(self.name, text)

    def get(self, object_id: ids.ObjectId) -> "Stub":
        if not isinstance(object_id, ids.ObjectId) or object_id.namespace != self.name:
            raise DurableObjectError(f"{object_id!r} is not an id of namespace {self.name!r}")
        return Stub(self, object_id)

    # -- running a request ------------------------------------------------------------------
    def gate(self) -> Gate:
        return Gate(self.client, self.table, self._now, self.lease_seconds, self.max_wait, self.capacity)

    def run(self, object_id: ids.ObjectId, body: Callable[[DurableObject], Any]) -> Any:
        """``body(instance)`` under the object's lease; its writes commit before it returns (it may
        be served, with other requests waiting for the object, by the lease's holder: holder.py)."""
        from durable_objects import holder

        return holder.run(self, object_id, body)

    def commit(self, gate: Gate, lease: Any, storage: Storage, object_id: ids.ObjectId, keep: bool = False) -> bool:
        """Commit the writes staged in ``storage`` under the lease; True if the lease is still held
        (``keep``: messages are to go out, or more requests are to be served, under it; its expiry
        is extended), False if the commit released it. On failure nothing was written, the lease
        is let go of and the error propagates."""
        meta: dict[str, Any] = {}
        remove: list[str] = []
        try:
            if storage.alarm_changed:
                if storage.alarm is None:
                    remove += ["a", "aa"]
                else:
                    meta.update({"a": {"N": repr(storage.alarm)}, "aa": {"N": str(storage.alarm_attempt)}})
                    # scheduled before the commit: if the commit fails, the alarm finds nothing due (a no-op)
                    self.alarms.schedule(self, object_id, storage.alarm)
            if storage.deleted_all:
                meta["g"] = {"N": str(storage.new_generation)}
            writes = storage.transact_items()  # StorageLimitError when one transaction cannot hold them
        except BaseException:
            cache.drop(gate.table, lease.pk)
            gate.release(lease, strict=False)  # nothing was written: the object is free again
            raise
        try:
            if not writes and not meta and not remove:
                # read only: the results are valid only if the lease held throughout
                gate.renew(lease) if keep else gate.release(lease)
                storage.remember(lease.version)
                return keep
            meta["v"] = {"N": str(lease.version + 1)}
            if keep:
                meta["x"] = {"N": repr(self.now() + self.lease_seconds)}
            gate.commit(lease, writes, meta, remove, release=not keep)
        except BaseException:
            cache.drop(gate.table, lease.pk)
            gate.release(lease, strict=False)  # not committed (lost lease, throttling...): let go of it
            raise
        storage.remember(lease.version + 1)
        if storage.alarm_changed and storage.alarm is None and lease.alarm is not None:
            self.alarms.cancel(self, object_id)  # after the commit: an alarm firing before that is a no-op
        if storage.deleted_all:
            self._remove_generation(gate, lease.pk, lease.generation)
        # the lease now stands for the object as committed (a holder serves the next batch from it)
        lease.version, lease.generation = lease.version + 1, storage.new_generation
        lease.alarm, lease.alarm_attempt = storage.alarm, storage.alarm_attempt
        return keep

    def _remove_generation(self, gate: Gate, pk: str, generation: int) -> None:
        """Items of a generation left behind by delete_all: invisible already, removed now."""
        kwargs: dict[str, Any] = {"TableName": gate.table, "KeyConditionExpression": "pk = :pk AND begins_with(sk, :g)",
                                  "ExpressionAttributeValues": {":pk": {"S": pk}, ":g": {"S": f"v#{generation}#"}},
                                  "ProjectionExpression": "pk, sk"}
        while True:
            page = gate.call("query", **kwargs)
            keys = [{"DeleteRequest": {"Key": item}} for item in page["Items"]]
            for start in range(0, len(keys), 25):
                request: dict[str, Any] = {gate.table: keys[start:start + 25]}
                while request:
                    request = gate.call("batch_write_item", RequestItems=request).get("UnprocessedItems") or {}
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class Stub:
    """``stub.fetch(request)`` or ``stub.<method>(...)``: runs on the object, one request at a time."""

    def __init__(self, namespace: Namespace, object_id: ids.ObjectId) -> None:
        self._namespace = namespace
        self.id = object_id

    def fetch(self, request: Request) -> Response:
        return self._namespace.run(self.id, lambda obj: obj.fetch(request))

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if method not in self._namespace.methods:
            raise UnknownMethodError(f"{self._namespace.cls.__name__} has no method {method!r} "
                                     f"(it has: {', '.join(sorted(self._namespace.methods)) or 'none'})")
        return self._namespace.run(self.id, lambda obj: getattr(obj, method)(*args, **kwargs))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._namespace.methods:
            self.call(name)  # raises UnknownMethodError
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)
