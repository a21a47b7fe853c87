"""The input and output gates on DynamoDB: one request at a time per object, from any number of
Lambdas, and a request's writes committed together before its result is returned.

Every object has a meta item (sort key ``!meta``) that holds its lease: ``o`` the owner (a random
token per request), ``e`` the fencing epoch, ``x`` the lease expiry, plus the object's storage
generation ``g``, version ``v`` and alarm ``a``. A request

1. acquires the lease: one conditional UpdateItem (free, or expired) that bumps the epoch and
   returns the meta item;
2. runs the object's code; reads are strongly consistent, writes are buffered;
3. commits: one TransactWriteItems holding every buffered write plus an Update of the meta item
   conditioned on ``o = me AND e = epoch``, which also releases the lease. A read-only request
   releases with the same condition in one UpdateItem.

An owner that paused or crashed past its lease's expiry fails step 3 (a successor bumped the
epoch), so its writes are discarded and its result withheld (LeaseLostError): it can never write
after its successor started, and a request that completes held the object exclusively from its
acquire to its commit, which makes every completed request linearizable.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from durable_objects.errors import LeaseLostError, ObjectBusyError

META = "!meta"
MAX_TRANSACTION_ITEMS = 100
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
POLL_FIRST, POLL_MAX = 0.002, 0.064  # seconds between looks at a busy lease


@dataclass
class Lease:
    pk: str
    owner: str
    epoch: int
    generation: int
    version: int
    alarm: float | None
    alarm_attempt: int
    served: int = 0  # requests served under this lease so far (holder.py bounds it)


@dataclass
class Capacity:
    """DynamoDB capacity consumed (ReturnConsumedCapacity=TOTAL), and calls made."""

    read_units: float = 0.0
    write_units: float = 0.0
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, response: dict[str, Any]) -> None:
        consumed = response.get("ConsumedCapacity") or []
        items = consumed if isinstance(consumed, list) else [consumed]
        with self._lock:
            self.calls += 1
            for item in items:
                self.read_units += float(item.get("ReadCapacityUnits", 0) or 0)
                self.write_units += float(item.get("WriteCapacityUnits", 0) or 0)


def _number(item: dict[str, Any], name: str) -> float | None:
    value = item.get(name)
    return float(value["N"]) if value else None


class Gate:
    def __init__(self, client: Any, table: str, now: Callable[[], float], lease_seconds: float,
                 max_wait: float, capacity: Capacity) -> None:
        self.client = client
        self.table = table
        self.now = now
        self.lease_seconds = lease_seconds
        self.max_wait = max_wait
        self.capacity = capacity

    def call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        response = getattr(self.client, method)(ReturnConsumedCapacity="TOTAL", **kwargs)
        self.capacity.add(response)
        return response

    def acquire(self, pk: str, deadline: float | None = None) -> Lease:
        """Take the lease when it is free or expired on the clock. While another process holds it,
        watch the meta item with strongly consistent reads (half a read unit each, where a refused
        conditional write costs a write unit) at jittered, growing intervals, then try again.
        ObjectBusyError after ``deadline`` (time.monotonic(); default ``max_wait`` from now).
        Requests of this process queue in holder.py's mailbox, so only one of them contends here."""
        owner = secrets.token_hex(8)
        deadline = time.monotonic() + self.max_wait if deadline is None else deadline
        while True:
            lease = self._try_acquire(pk, owner)
            if lease is not None:
                return lease
            self._wait_for_release(pk, deadline)

    def _try_acquire(self, pk: str, owner: str) -> Lease | None:
        now = self.now()
        try:
            response = self.call(
                "update_item", TableName=self.table, Key=self._key(pk),
                UpdateExpression="SET o = :me, x = :exp ADD e :one",
                ConditionExpression="attribute_not_exists(o) OR x < :now",
                ExpressionAttributeValues={":me": {"S": owner}, ":exp": {"N": repr(now + self.lease_seconds)},
                                           ":now": {"N": repr(now)}, ":one": {"N": "1"}},
                ReturnValues="ALL_NEW")
        except self.client.exceptions.ConditionalCheckFailedException:
            return None
        item = response["Attributes"]
        return Lease(pk, owner, int(_number(item, "e") or 0), int(_number(item, "g") or 0),
                     int(_number(item, "v") or 0), _number(item, "a"), int(_number(item, "aa") or 0))

    def _lease_free(self, pk: str) -> bool:
        item = self.call("get_item", TableName=self.table, Key=self._key(pk), ConsistentRead=True,
                         ProjectionExpression="o, x").get("Item") or {}
        return "o" not in item or (_number(item, "x") or 0) < self.now()

    def _check_deadline(self, pk: str, deadline: float) -> None:
        if time.monotonic() > deadline:
            raise ObjectBusyError(f"object {pk} stayed busy for {self.max_wait:.0f} s "
                                  f"(another request holds its lease)")

    def _wait_for_release(self, pk: str, deadline: float) -> None:
        delay = POLL_FIRST
        pause = threading.Event()
        while True:
            self._check_deadline(pk, deadline)
            pause.wait(random.uniform(delay / 2, delay))
            delay = min(delay * 2, POLL_MAX)
            if self._lease_free(pk):
                return

    def release(self, lease: Lease, strict: bool = True) -> None:
        """Give the lease back without writing; LeaseLostError when it was lost meanwhile (a result
        computed under a lost lease may be stale, so it must not be returned) unless not ``strict``
        (the request's writes are committed already)."""
        try:
            self.call("update_item", TableName=self.table, Key=self._key(lease.pk), UpdateExpression="REMOVE o",
                      **self._fence(lease))
        except self.client.exceptions.ConditionalCheckFailedException:
            if strict:
                raise self._lost(lease) from None

    def renew(self, lease: Lease) -> None:
        """Confirm the lease is still held (a result read under it may be returned) and extend it:
        a holder keeping the object for the next batch. LeaseLostError if it was lost."""
        fence = self._fence(lease)
        try:
            self.call("update_item", TableName=self.table, Key=self._key(lease.pk), UpdateExpression="SET x = :exp",
                      ConditionExpression=fence["ConditionExpression"],
                      ExpressionAttributeValues={**fence["ExpressionAttributeValues"],
                                                 ":exp": {"N": repr(self.now() + self.lease_seconds)}})
        except self.client.exceptions.ConditionalCheckFailedException:
            raise self._lost(lease) from None

    def commit(self, lease: Lease, writes: list[dict[str, Any]], meta_set: dict[str, Any],
               meta_remove: list[str], release: bool = True) -> None:
        """The buffered writes and the meta changes in one transaction fenced by the lease; the
        lease is released by it too, unless not ``release`` (messages are to go out first)."""
        names: dict[str, str] = {}
        values = dict(self._fence(lease)["ExpressionAttributeValues"])
        sets = []
        for i, (name, value) in enumerate(meta_set.items()):
            names[f"#s{i}"] = name
            values[f":s{i}"] = value
            sets.append(f"#s{i} = :s{i}")
        removes = (["o"] if release else []) + [f"#r{i}" for i in range(len(meta_remove))]
        names.update({f"#r{i}": name for i, name in enumerate(meta_remove)})
        update = {"TableName": self.table, "Key": self._key(lease.pk),
                  "UpdateExpression": (f"SET {', '.join(sets)} " if sets else "")
                  + (f"REMOVE {', '.join(removes)}" if removes else ""),
                  "ConditionExpression": self._fence(lease)["ConditionExpression"],
                  "ExpressionAttributeValues": values}
        if names:
            update["ExpressionAttributeNames"] = names
        try:
            self.call("transact_write_items", TransactItems=[{"Update": update}, *writes])
        except self.client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise self._lost(lease) from None
            raise

    def _fence(self, lease: Lease) -> dict[str, Any]:
        return {"ConditionExpression": "o = :me AND e = :epoch",
                "ExpressionAttributeValues": {":me": {"S": lease.owner}, ":epoch": {"N": str(lease.epoch)}}}

    @staticmethod
    def _key(pk: str) -> dict[str, Any]:
        return {"pk": {"S": pk}, "sk": {"S": META}}

    @staticmethod
    def _lost(lease: Lease) -> LeaseLostError:
        return LeaseLostError(f"the lease on {lease.pk} (epoch {lease.epoch}) expired and another request took "
                              f"the object over: this request's writes were discarded")
