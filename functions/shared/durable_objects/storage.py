"""Per-object key-value storage: strongly consistent reads, writes buffered until the request
commits (see gate.py), so everything one request writes lands together or not at all.

Keys are strings of at most 2 KiB (UTF-8), values anything JSON can hold, at most 128 KiB once
encoded (Durable Objects' KV limits); a larger value is rejected when ``put`` is called, before
anything is written. One request may write at most 99 keys (one TransactWriteItems of 100
actions, one of which fences the lease) and 4 MB: more fails the request, nothing is written.
``delete_all`` is one write whatever the size: it moves the object to a new storage generation;
the old generation's items are invisible from then on and removed after the commit.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any, Callable, Iterable

from durable_objects.errors import StorageLimitError, UnserializableValueError
from durable_objects.gate import MAX_TRANSACTION_BYTES, MAX_TRANSACTION_ITEMS, Gate, Lease

MAX_KEY_BYTES = 2048
MAX_VALUE_BYTES = 128 * 1024
MAX_KEYS_PER_CALL = 128
MAX_WRITES = MAX_TRANSACTION_ITEMS - 1
_TOP = "\U0010ffff"
_MISSING = object()
CACHED_OBJECTS = 10_000


class _Cache:
    """What requests of this process last knew of an object's values, stamped with the object's
    version: every commit that writes bumps the version in the meta item (in the same
    transaction), and the lease hands the version to the next request, so values cached at the
    version the lease returns are exactly what DynamoDB holds. A Lambda environment that serves
    an object again with no other writer in between reads nothing (Durable Objects keep their
    state in memory likewise); any other writer's commit changes the version and empties it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[int, int, dict[str, str | None]]] = OrderedDict()

    def get(self, table: str, pk: str, version: int, generation: int) -> dict[str, str | None]:
        with self._lock:
            entry = self._entries.get(f"{table}/{pk}")
            if entry is None or entry[:2] != (version, generation):
                return {}
            self._entries.move_to_end(f"{table}/{pk}")
            return dict(entry[2])

    def put(self, table: str, pk: str, version: int, generation: int, values: dict[str, str | None]) -> None:
        key = f"{table}/{pk}"
        with self._lock:
            self._entries[key] = (version, generation, dict(values))
            self._entries.move_to_end(key)
            while len(self._entries) > CACHED_OBJECTS:
                self._entries.popitem(last=False)

    def drop(self, table: str, pk: str) -> None:
        with self._lock:
            self._entries.pop(f"{table}/{pk}", None)


cache = _Cache()


def _check_key(key: Any) -> str:
    if not isinstance(key, str):
        raise StorageLimitError(f"a storage key must be a string, not {type(key).__name__}")
    if len(key.encode()) > MAX_KEY_BYTES:
        raise StorageLimitError(f"key {key[:40]!r}... is {len(key.encode())} bytes: the limit is {MAX_KEY_BYTES}")
    return key


def _encode(key: str, value: Any) -> str:
    try:
        text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise UnserializableValueError(f"the value for key {key!r} cannot be stored as JSON: {exc}") from None
    if len(text.encode()) > MAX_VALUE_BYTES:
        raise StorageLimitError(f"the value for key {key!r} is {len(text.encode())} bytes encoded: the limit is "
                                f"{MAX_VALUE_BYTES} (nothing was written)")
    return text


def _keys(keys: Iterable[Any]) -> list[str]:
    keys = list(keys)
    if len(keys) > MAX_KEYS_PER_CALL:
        raise StorageLimitError(f"{len(keys)} keys in one call: the limit is {MAX_KEYS_PER_CALL}")
    return [_check_key(k) for k in keys]


class Storage:
    def __init__(self, gate: Gate, lease: Lease) -> None:
        self._gate = gate
        self._lease = lease
        self.generation = lease.generation
        self.deleted_all = False
        self.writes: dict[str, str | None] = {}  # key -> encoded value, None = delete
        self.records: dict[tuple[str, str], dict[str, Any] | None] = {}  # library-owned items (pk, sk) -> item
        # what this request knows DynamoDB holds: read by it, or cached at the lease's version
        self._read: dict[str, str | None] = cache.get(gate.table, lease.pk, lease.version, lease.generation)
        self.alarm: float | None = lease.alarm
        self.alarm_attempt = lease.alarm_attempt  # retries of a failing alarm() so far
        self.alarm_changed = False

    # -- reads ------------------------------------------------------------------------------
    def get(self, key: str | Iterable[str], default: Any = None) -> Any:
        """One key (its value, or ``default``) or up to 128 (a dict of the keys that exist)."""
        if isinstance(key, str):
            text = self._fetch([_check_key(key)])[key]
            return default if text is None else json.loads(text)
        found = self._fetch(_keys(key))
        return {k: json.loads(v) for k, v in found.items() if v is not None}

    def _fetch(self, keys: list[str]) -> dict[str, str | None]:
        result: dict[str, str | None] = {}
        missing = []
        for key in keys:
            if key in self.writes:
                result[key] = self.writes[key]
            elif key in self._read:
                result[key] = self._read[key]
            elif self.deleted_all:
                result[key] = None
            else:
                missing.append(key)
        for start in range(0, len(missing), 100):
            self._batch_get(missing[start:start + 100])
        for key in missing:
            result[key] = self._read.setdefault(key, None)
        return result

    def _batch_get(self, keys: list[str]) -> None:
        table = self._gate.table
        if len(keys) == 1:
            item = self._gate.call("get_item", TableName=table, Key=self._key(keys[0]), ConsistentRead=True).get("Item")
            self._read[keys[0]] = item["val"]["S"] if item else None
            return
        request: dict[str, Any] = {table: {"Keys": [self._key(k) for k in keys], "ConsistentRead": True}}
        while request:
            response = self._gate.call("batch_get_item", RequestItems=request)
            for item in response["Responses"].get(table, []):
                self._read[self._name(item["sk"]["S"])] = item["val"]["S"]
            request = response.get("UnprocessedKeys") or {}

    def list(self, prefix: str | None = None, start: str | None = None, end: str | None = None,
             reverse: bool = False, limit: int | None = None) -> dict[str, Any]:
        """Keys in UTF-8 order with ``prefix``, ``start`` <= key < ``end``; ``reverse``; at most ``limit``."""
        if limit is not None and limit < 1:
            raise StorageLimitError(f"limit must be a positive number, not {limit}")

        def wanted(key: str) -> bool:
            return ((prefix is None or key.startswith(prefix)) and (start is None or key >= start)
                    and (end is None or key < end))

        merged: dict[str, str | None] = {}
        if not self.deleted_all:
            merged.update(self._query(prefix, start, end, wanted))
        merged.update({k: v for k, v in self.writes.items() if wanted(k)})
        keys = sorted((k for k, v in merged.items() if v is not None), reverse=reverse)
        return {k: json.loads(merged[k]) for k in keys[:limit]}  # type: ignore[arg-type]

    def _query(self, prefix: str | None, start: str | None, end: str | None,
               wanted: Callable[[str], bool]) -> dict[str, str]:
        base = self._base(self.generation)
        lower = base + max(start or "", prefix or "")
        uppers = [base + end] if end is not None else []
        uppers += [base + prefix + _TOP] if prefix is not None else []
        upper = min(uppers) if uppers else base + _TOP
        kwargs: dict[str, Any] = {
            "TableName": self._gate.table, "ConsistentRead": True,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {":pk": {"S": self._lease.pk}, ":lo": {"S": lower}, ":hi": {"S": upper}}}
        found: dict[str, str] = {}
        while True:
            response = self._gate.call("query", **kwargs)
            for item in response["Items"]:
                key = self._name(item["sk"]["S"])
                if wanted(key):
                    found[key] = item["val"]["S"]
                    self._read.setdefault(key, item["val"]["S"])
            if "LastEvaluatedKey" not in response:
                return found
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # -- writes -----------------------------------------------------------------------------
    def put(self, key: str | dict[str, Any], value: Any = _MISSING) -> None:
        """``put(key, value)`` or ``put({key: value, ...})`` (up to 128 entries)."""
        entries = key if isinstance(key, dict) else {key: value}
        if value is _MISSING and not isinstance(key, dict):
            raise TypeError("put(key, value) needs a value")
        encoded = {k: _encode(k, v) for k, v in zip(_keys(entries), entries.values())}
        self._stage(encoded)

    def delete(self, key: str | Iterable[str]) -> bool | int:
        """Delete one key (True if it existed) or up to 128 (how many existed)."""
        keys = [_check_key(key)] if isinstance(key, str) else _keys(key)
        existing = self._fetch(keys)
        self._stage({k: None for k in keys})
        count = sum(1 for k in keys if existing[k] is not None)
        return count > 0 if isinstance(key, str) else count

    def _stage(self, changes: dict[str, str | None]) -> None:
        new_keys = [k for k in changes if k not in self.writes]
        total = len(self.writes) + len(new_keys) + len(self.records)
        if total > MAX_WRITES:
            raise StorageLimitError(f"one request can write at most {MAX_WRITES} keys (one DynamoDB transaction); "
                                    f"this would make {total} (nothing was written)")
        self.writes.update(changes)

    def stage_record(self, pk: str, sk: str, item: dict[str, Any] | None) -> None:
        """A library-owned item (a WebSocket attachment) written with the request's commit."""
        if (pk, sk) not in self.records and len(self.writes) + len(self.records) + 1 > MAX_WRITES:
            raise StorageLimitError(f"one request can write at most {MAX_WRITES} items (one DynamoDB transaction)")
        self.records[(pk, sk)] = item

    def delete_all(self) -> None:
        self.deleted_all = True
        self.writes.clear()
        self._read.clear()

    def transaction(self, fn: Callable[["Storage"], Any]) -> Any:
        """Run ``fn(storage)``; if it raises, its writes are undone and the error propagates."""
        saved = (dict(self.writes), dict(self._read), dict(self.records), self.deleted_all, self.alarm,
                 self.alarm_changed, self.alarm_attempt)
        try:
            return fn(self)
        except BaseException:
            (self.writes, self._read, self.records, self.deleted_all, self.alarm, self.alarm_changed,
             self.alarm_attempt) = saved
            raise

    def sync(self) -> None:
        """Writes are durable when the request returns (the output gate); nothing to wait for here."""

    # -- alarms -----------------------------------------------------------------------------
    def get_alarm(self) -> float | None:
        return self.alarm

    def set_alarm(self, when: float) -> None:
        if not isinstance(when, (int, float)):
            raise TypeError("set_alarm takes a time in seconds since the epoch")
        self.alarm, self.alarm_changed, self.alarm_attempt = float(when), True, 0

    def delete_alarm(self) -> None:
        self.alarm, self.alarm_changed = None, True

    # -- commit -----------------------------------------------------------------------------
    @property
    def new_generation(self) -> int:
        return self.generation + 1 if self.deleted_all else self.generation

    def transact_items(self) -> list[dict[str, Any]]:
        items, size = self._items_and_size()
        self._check(size)
        return items

    def check_size(self) -> None:
        """StorageLimitError if the writes so far would not fit in one transaction."""
        self._check(self._items_and_size()[1])

    def has_changes(self) -> bool:
        return bool(self.writes or self.records or self.deleted_all or self.alarm_changed)

    @staticmethod
    def _check(size: int) -> None:
        if size > MAX_TRANSACTION_BYTES - 64 * 1024:
            raise StorageLimitError(f"this request's writes total {size} bytes: one DynamoDB transaction holds "
                                    f"at most {MAX_TRANSACTION_BYTES} (nothing was written)")

    def _items_and_size(self) -> tuple[list[dict[str, Any]], int]:
        table, generation = self._gate.table, self.new_generation
        items: list[dict[str, Any]] = []
        size = 0
        for key, text in self.writes.items():
            item_key = self._key(key, generation)
            if text is None:
                items.append({"Delete": {"TableName": table, "Key": item_key}})
            else:
                items.append({"Put": {"TableName": table, "Item": {**item_key, "val": {"S": text}}}})
                size += len(text.encode())
            size += len(item_key["pk"]["S"]) + len(item_key["sk"]["S"].encode())
        for (pk, sk), record in self.records.items():
            key = {"pk": {"S": pk}, "sk": {"S": sk}}
            items.append({"Delete": {"TableName": table, "Key": key}} if record is None else
                         {"Put": {"TableName": table, "Item": {**key, **record}}})
            size += len(json.dumps(record or {})) + len(pk) + len(sk)
        return items, size

    def remember(self, version: int) -> None:
        """After a successful commit (at ``version``) or read-only release: cache what is known."""
        known = {} if self.deleted_all else dict(self._read)
        known.update(self.writes)
        cache.put(self._gate.table, self._lease.pk, version, self.new_generation, known)

    @property
    def pk(self) -> str:
        return self._lease.pk

    def _base(self, generation: int) -> str:
        return f"v#{generation}#"

    def _key(self, key: str, generation: int | None = None) -> dict[str, Any]:
        generation = self.generation if generation is None else generation
        return {"pk": {"S": self._lease.pk}, "sk": {"S": self._base(generation) + key}}

    def _name(self, sort_key: str) -> str:
        return sort_key.split("#", 2)[2]
