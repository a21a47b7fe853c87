"""moto's DynamoDB Streams, where it differs from AWS for event sources (moto 5.2.5 is pinned).

- moto invokes a table's stream mappings on every write with the records stored so far and,
  on success, clears them (other readers lose them): switched off (a table's mapping table never
  holds anything), so the compute plane's shard pollers read the stream like any consumer.
- Stream records are stamped on the plane's clock (ApproximateCreationDateTime), not the wall
  clock, so retention and record age follow virtual time; GetRecords leaves out records older
  than the stream's 24 hours (moto keeps every record forever).
- An UpdateItem that creates an item wrote two INSERT records (moto puts the bare key first,
  then records the update as a second INSERT): the bare put no longer writes a record.
- moto keeps every shard iterator it ever handed out (each GetRecords makes one); the oldest
  are forgotten past 10,000 (AWS's expire after 15 minutes). GetRecords answers are written as
  plain JSON instead of through moto's shape-walking serializer (≈1 ms a record).
Each hook falls back to moto's behaviour when no compute plane is active.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from typing import Any

from infra.compute import active
from infra.compute.moto_hooks import patches

MAX_ITERATORS = 10_000
RETENTION_SECONDS = 24 * 3600.0  # a DynamoDB stream keeps its records 24 hours
_updating = threading.local()


def _plane() -> Any:
    return active.plane()


def install_moto_hooks() -> None:
    if not patches.claim(__name__):
        return
    import moto.dynamodb.models as ddb_models
    import moto.dynamodbstreams.models as streams_models
    from moto.dynamodb.models.table import StreamRecord, Table

    patches.patch(Table, "lambda_event_source_mappings", property(
        lambda self: {} if _plane() is not None else self.__dict__.setdefault("lambda_event_source_mappings", {}),
        # kept under moto's own name, which the property hides: there again once the hooks are removed
        lambda self, value: self.__dict__.__setitem__("lambda_event_source_mappings", value),
    ))

    original_record = StreamRecord.__init__

    def stream_record(self: Any, *args: Any, **kwargs: Any) -> None:
        original_record(self, *args, **kwargs)
        plane = _plane()
        if plane is not None:
            created = datetime.fromtimestamp(plane.now(), timezone.utc).replace(tzinfo=None)
            self.record["dynamodb"]["ApproximateCreationDateTime"] = created

    patches.patch(StreamRecord, "__init__", stream_record)

    original_update = ddb_models.DynamoDBBackend.update_item
    original_put = Table.put_item

    def update_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        _updating.active = _plane() is not None
        try:
            return original_update(self, *args, **kwargs)
        finally:
            _updating.active = False

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not getattr(_updating, "active", False) or self.stream_shard is None:
            return original_put(self, *args, **kwargs)
        # the bare key UpdateItem puts before applying its update: the update's own record follows
        shard, self.stream_shard = self.stream_shard, None
        try:
            return original_put(self, *args, **kwargs)
        finally:
            self.stream_shard = shard

    patches.patch(ddb_models.DynamoDBBackend, "update_item", update_item)
    patches.patch(Table, "put_item", put_item)

    original_get_records = streams_models.DynamoDBStreamsBackend.get_records

    def get_records(self: Any, iterator_arn: str, limit: int) -> dict[str, Any]:
        result = original_get_records(self, iterator_arn, limit)
        if len(self.shard_iterators) > MAX_ITERATORS:
            for key in list(self.shard_iterators)[: MAX_ITERATORS // 2]:
                del self.shard_iterators[key]
        return result

    patches.patch(streams_models.DynamoDBStreamsBackend, "get_records", get_records)

    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    original_response = DynamoDBStreamsHandler.get_records

    def get_records_response(self: Any) -> Any:
        if _plane() is None:
            return original_response(self)
        limit = self._get_param("Limit")
        result = self.backend.get_records(self._get_param("ShardIterator"), 1000 if limit is None else limit)
        self.response_headers["Content-Type"] = "application/x-amz-json-1.0"
        trimmed_before = _plane().now() - RETENTION_SECONDS
        records = [plain for plain in map(_plain, result["Records"])
                   if plain["dynamodb"]["ApproximateCreationDateTime"] >= trimmed_before]  # past 24 h: gone
        return json.dumps({**result, "Records": records})

    patches.patch(DynamoDBStreamsHandler, "get_records", get_records_response)


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """A stream record as JSON: its creation time in epoch seconds, as the API sends it."""
    created = record["dynamodb"]["ApproximateCreationDateTime"]
    if isinstance(created, datetime):
        created = created.replace(tzinfo=timezone.utc).timestamp()
    return {**record, "dynamodb": {**record["dynamodb"], "ApproximateCreationDateTime": created}}
