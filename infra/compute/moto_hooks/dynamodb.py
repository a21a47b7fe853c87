"""DynamoDB: requests are serialized, so conditional writes are atomic under threads; a
TransactWriteItems snapshots only the items it touches for its rollback (moto deep-copies every
table it touches, which makes each transaction cost O(table size)) and its stream records appear
only when it succeeds; a Query on a table's own key reads its partition only; plain JSON answers
skip moto's shape-walking serializer."""

from __future__ import annotations

import copy
import json
import threading
from typing import Any

from infra.compute.moto_hooks import patches

dynamodb_lock = threading.RLock()  # metering (infra/metering) measures DynamoDB writes under it too


def install() -> None:
    if not patches.claim(__name__):
        return
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with dynamodb_lock:
            return original(self)

    patches.patch(DynamoHandler, "call_action", call_action)
    _hook_transactions()
    _hook_query()
    _hook_serializer()


def _hook_serializer() -> None:
    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    plain = (ActionResult, DynamoResult)
    original_serialized = DynamoHandler.serialized

    def serialized(self: Any, action_result: Any) -> Any:
        """A plain JSON result goes out as it is: moto's shape-walking serializer costs ~1 ms a
        GetItem, most of a warm API request; anything else takes moto's own way."""
        result = action_result.result
        if type(action_result) in plain and type(result) is dict:
            try:
                body = json.dumps(_without_none(result))
            except (TypeError, ValueError):
                return original_serialized(self, action_result)
            headers = {"Content-Type": "application/x-amz-json-1.0"}
            headers.update(self.response_headers)
            return 200, headers, body
        return original_serialized(self, action_result)

    patches.patch(DynamoHandler, "serialized", serialized)


def _without_none(value: Any) -> Any:
    """Members that are None are left out, as the serializer leaves them out."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


class _TableCopyShim:
    """moto.dynamodb.models' ``copy`` module, except that a Table is not deep-copied while a
    transaction that snapshots its own items runs (requests are serialized, so a flag suffices)."""

    def __init__(self, real: Any, table_type: type) -> None:
        self._real = real
        self._table_type = table_type
        self.snapshotting = False

    def deepcopy(self, obj: Any, memo: Any = None) -> Any:
        if self.snapshotting and isinstance(obj, self._table_type):
            return obj
        return self._real.deepcopy(obj, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _hook_transactions() -> None:
    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import StreamShard, Table

    shim = _TableCopyShim(copy, Table)
    patches.patch(models, "copy", shim)
    original = models.DynamoDBBackend.transact_write_items
    # moto writes a transaction's items one by one, each adding its stream record at once, and
    # restores the items when a later condition fails: the records of a cancelled transaction
    # would stay in the stream. Hold them back until the transaction succeeded (DynamoDB requests
    # are serialized, so one buffer suffices).
    original_add = StreamShard.add
    held: list[tuple[Any, Any, Any]] | None = None

    def add(shard: Any, old: Any, new: Any) -> None:
        if held is None:
            original_add(shard, old, new)
        else:
            held.append((shard, old, new))

    patches.patch(StreamShard, "add", add)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshot = []
        for entry in transact_items:
            op = next(iter(entry.values())) if isinstance(entry, dict) and entry else {}
            table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            key = op.get("Item") or op.get("Key") or {} if table is not None else {}
            if table is None or table.hash_key_attr not in key:
                return original(self, transact_items)  # moto reports the malformed request
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
            if table.has_range_key and range_value is None:
                return original(self, transact_items)
            current = table.get_item(hash_value, range_value)
            snapshot.append((table, hash_value, range_value, copy.deepcopy(current)))
        nonlocal held
        shim.snapshotting, held = True, []
        try:
            result = original(self, transact_items)
            records, held = held, None
            for shard, old, new in records:
                original_add(shard, old, new)
            return result
        except Exception:
            for table, hash_value, range_value, item in reversed(snapshot):
                if range_value is None:
                    if item is None:
                        table.items.pop(hash_value, None)
                    else:
                        table.items[hash_value] = item
                elif item is None:
                    table.items.get(hash_value, {}).pop(range_value, None)
                else:
                    table.items[hash_value][range_value] = item
            raise
        finally:
            shim.snapshotting, held = False, None

    patches.patch(models.DynamoDBBackend, "transact_write_items", transact_write_items)


def _hook_query() -> None:
    """A Query on a table's own key reads its partition: moto sorts every item of the table and
    filters them by hash key on each Query, which makes it O(table size)."""
    from moto.dynamodb.models.table import Table

    original = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None or "all_items" in self.__dict__:
            return original(self, hash_key, *args, **kwargs)
        found = self.items.get(hash_key)
        partition = [] if found is None else list(found.values()) if self.range_key_attr else [found]
        self.all_items = lambda: partition  # the only items the base-table query keeps anyway
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    patches.patch(Table, "query", query)
