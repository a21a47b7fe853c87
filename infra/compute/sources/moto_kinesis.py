"""moto's Kinesis, where it differs from Kinesis for event sources (moto 5.2.5 is pinned).

- moto runs Kinesis event source mappings inside PutRecord(s), one record per invocation, with
  no batching, retries or checkpoint: switched off (a stream's mapping table never holds
  anything), so the compute plane's shard pollers deliver.
- Records arrive on the plane's clock (ApproximateArrivalTimestamp, AT_TIMESTAMP iterators,
  record age and tumbling windows read it), not the wall clock; GetRecords leaves out records
  past the stream's retention (moto keeps every record forever).
- Sequence numbers look like Kinesis's (56 digits, increasing per shard) instead of 1, 2, 3.
- Resharding: moto wrote new records to a split shard's parent (its hash-range lookup includes
  closed shards) and moved the parent's records into the children with new sequence numbers;
  Kinesis keeps a closed parent's records where they are and writes to open shards only.
- An event source mapping's StartingPositionTimestamp is stored but left out of its description
  (Get/ListEventSourceMappings): it is given back.
- GetRecords finds its starting record by bisection instead of scanning the shard from its
  first record, and PutRecord finds the shard's last number without listing every record:
  both were O(records in the shard) per call. GetRecords answers are written as plain JSON
  instead of through moto's shape-walking serializer (≈0.5 ms a record, most of a poll).
Each hook falls back to moto's behaviour when no compute plane is active.
"""

from __future__ import annotations

import bisect
import json
from datetime import datetime, timezone
from typing import Any

from infra.compute import active
from infra.compute.moto_hooks import patches

SEQUENCE_DIGITS = 56


def _plane() -> Any:
    return active.plane()


def sequence_base(shard_index: int) -> int:
    """The first sequence number of a shard: '49', the shard's index, then a counter."""
    return int(f"49{shard_index:019d}{0:035d}")


def install_moto_hooks() -> None:
    if not patches.claim(__name__):
        return
    import moto.kinesis.models as kinesis_models

    patches.patch(kinesis_models.Stream, "lambda_event_source_mappings", property(
        lambda self: {} if _plane() is not None else self.__dict__.setdefault("lambda_event_source_mappings", {}),
        # kept under moto's own name, which the property hides: there again once the hooks are removed
        lambda self, value: self.__dict__.__setitem__("lambda_event_source_mappings", value),
    ))

    original_utcnow = kinesis_models.utcnow

    def utcnow() -> datetime:
        plane = _plane()
        if plane is None:
            return original_utcnow()
        return datetime.fromtimestamp(plane.now(), timezone.utc).replace(tzinfo=None)

    patches.patch(kinesis_models, "utcnow", utcnow)

    Shard = kinesis_models.Shard
    original_put = Shard.put_record
    original_get = Shard.get_records

    def put_record(self: Any, partition_key: str, data: str, explicit_hash_key: str) -> str:
        if _plane() is None and not self.__dict__.get("_toolkit_keys"):
            return original_put(self, partition_key, data, explicit_hash_key)
        keys = _keys(self)
        sequence_number = keys[-1] + 1 if keys else sequence_base(self._shard_id) + 1
        self.records[sequence_number] = kinesis_models.Record(partition_key, data, sequence_number,
                                                              explicit_hash_key)
        keys.append(sequence_number)
        return str(sequence_number)

    def get_records(self: Any, last_sequence_id: str, limit: int | None) -> tuple[list[Any], int, int]:
        if "_toolkit_keys" not in self.__dict__:
            return original_get(self, last_sequence_id, limit)
        keys = _keys(self)
        start = bisect.bisect_right(keys, int(last_sequence_id))
        chosen = keys[start:start + limit] if limit else keys[start:]
        records = [self.records[key] for key in chosen]
        last = chosen[-1] if chosen else int(last_sequence_id)
        behind = 0
        if records:
            behind = int((self.records[keys[-1]].created_at - records[-1].created_at) * 1000)
        return records, last, behind

    def get_max_sequence_number(self: Any) -> int:
        keys = _keys(self)
        return keys[-1] if keys else 0

    from moto.awslambda.models import EventSourceMapping

    original_configuration = EventSourceMapping.get_configuration

    def get_configuration(self: Any) -> dict[str, Any]:
        configuration = original_configuration(self)
        if self.starting_position_timestamp is not None:
            configuration["StartingPositionTimestamp"] = self.starting_position_timestamp
        return configuration

    patches.patch(EventSourceMapping, "get_configuration", get_configuration)
    Stream = kinesis_models.Stream
    original_shard_for_key = Stream.get_shard_for_key
    original_split = Stream.split_shard

    def get_shard_for_key(self: Any, partition_key: str, explicit_hash_key: str) -> Any:
        if _plane() is None:
            return original_shard_for_key(self, partition_key, explicit_hash_key)
        closed = [shard for shard in self.shards.values() if not shard.is_open]
        for shard in closed:
            shard._toolkit_start, shard.starting_hash = shard.starting_hash, 2 ** 129  # above every hash key
        try:
            return original_shard_for_key(self, partition_key, explicit_hash_key)
        finally:
            for shard in closed:
                shard.starting_hash = shard._toolkit_start

    def split_shard(self: Any, shard_to_split: str, new_starting_hash_key: str) -> None:
        if _plane() is None:
            return original_split(self, shard_to_split, new_starting_hash_key)
        parent = self.shards[shard_to_split]
        kept, parent.records = parent.records, kinesis_models.OrderedDict()  # nothing for moto to move
        try:
            return original_split(self, shard_to_split, new_starting_hash_key)
        finally:
            parent.records = kept

    patches.patch(Stream, "get_shard_for_key", get_shard_for_key)
    patches.patch(Stream, "split_shard", split_shard)

    from moto.kinesis.responses import KinesisResponse
    from moto.kinesis.utils import decompose_shard_iterator

    original_response = KinesisResponse.get_records

    def get_records_response(self: Any) -> Any:
        if _plane() is None:
            return original_response(self)
        stream_arn, shard_iterator = self._get_param("StreamARN"), self._get_param("ShardIterator")
        iterator, records, behind = self.kinesis_backend.get_records(stream_arn, shard_iterator, self._get_param("Limit"))
        stream = self.kinesis_backend.describe_stream(stream_arn=stream_arn,
                                                      stream_name=decompose_shard_iterator(shard_iterator)[0])
        trimmed_before = _plane().now() - stream.retention_period_hours * 3600
        records = [r for r in records if r.created_at >= trimmed_before]  # past the retention: gone
        self.response_headers["Content-Type"] = "application/x-amz-json-1.1"
        return json.dumps({"NextShardIterator": iterator, "MillisBehindLatest": behind, "Records": [
            {"Data": r.data, "PartitionKey": r.partition_key, "SequenceNumber": str(r.sequence_number),
             "ApproximateArrivalTimestamp": r.created_at} for r in records]})

    patches.patch(KinesisResponse, "get_records", get_records_response)
    patches.patch(Shard, "put_record", put_record)
    patches.patch(Shard, "get_records", get_records)
    patches.patch(Shard, "get_max_sequence_number", get_max_sequence_number)


def _keys(shard: Any) -> list[int]:
    """The shard's sequence numbers in order, kept beside moto's record dict (rebuilt if moto
    added records some other way, e.g. when shards merge)."""
    keys = shard.__dict__.get("_toolkit_keys")
    if keys is None or len(keys) != len(shard.records):
        keys = shard.__dict__["_toolkit_keys"] = list(shard.records)
    return keys
