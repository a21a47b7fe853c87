"""DynamoDB Streams -> Lambda event source mappings (a source kind): the same shard machinery as
Kinesis (shards.py), polled about four times a second, StartingPosition TRIM_HORIZON or LATEST,
24 hours of retention on the plane's clock. Records are read through the DynamoDB Streams API
(GetShardIterator / GetRecords) and stay in the stream, so every consumer sees every record
(moto's own shortcut cleared them once one mapping had run)."""

from __future__ import annotations

import json
from typing import Any

from infra.compute.sources import SourceContext
from infra.compute.sources.moto_dynamodb import RETENTION_SECONDS, install_moto_hooks
from infra.compute.sources.shards import StreamRecord, StreamSource
from infra.compute.sources.stream_settings import ShardInfo, StreamMapping, check_stream_mapping, shard_info

SERVICE = "dynamodb"
POLL_INTERVAL = 0.25  # Lambda polls a DynamoDB stream's shards about four times a second
POSITIONS = ("TRIM_HORIZON", "LATEST")
READ_LIMIT = 1000  # GetRecords' most
__all__ = ["SERVICE", "build", "check", "install_moto_hooks"]


def check(props: dict[str, Any]) -> str | None:
    if "/stream/" not in str(props.get("EventSourceArn", "")):
        return f"{props.get('EventSourceArn')} is not a DynamoDB stream ARN (Fn::GetAtt Table.StreamArn)"
    return check_stream_mapping(props, POSITIONS)


def build(esm: dict[str, Any], ctx: SourceContext) -> StreamSource:
    mapping = StreamMapping.from_api(esm)
    streams = ctx.clients("dynamodbstreams")
    arn = mapping.source_arn

    def shards() -> list[ShardInfo]:
        return [shard_info(shard) for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]]

    def open_reader(shard_id: str, at_mapping_start: bool) -> StreamShardReader:
        position = mapping.starting_position if at_mapping_start else "TRIM_HORIZON"
        return StreamShardReader(ctx, arn, shard_id, position)

    return StreamSource(mapping, ctx, POLL_INTERVAL, RETENTION_SECONDS, "DDBStreamBatchInfo", shards, open_reader)


class StreamShardReader:
    def __init__(self, ctx: SourceContext, stream_arn: str, shard_id: str, position: str) -> None:
        self.ctx = ctx
        self.streams = ctx.clients("dynamodbstreams")
        self.stream_arn = stream_arn
        self.shard_id = shard_id
        self.iterator: str | None = self.streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType=position)["ShardIterator"]

    def read(self, limit: int) -> list[StreamRecord]:
        if self.iterator is None:
            return []
        response = self.streams.get_records(ShardIterator=self.iterator, Limit=min(limit, READ_LIMIT))
        self.iterator = response.get("NextShardIterator")
        return [self._record(r) for r in response["Records"]]

    def has_unread(self) -> bool:
        if self.iterator is None:
            return False
        return bool(self.streams.get_records(ShardIterator=self.iterator, Limit=1)["Records"])

    def _record(self, record: dict[str, Any]) -> StreamRecord:
        dynamodb = dict(record["dynamodb"])
        created = dynamodb["ApproximateCreationDateTime"]
        arrival = created.timestamp() if hasattr(created, "timestamp") else float(created)
        dynamodb["ApproximateCreationDateTime"] = int(arrival)  # epoch seconds, rounded down, as AWS
        event = {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": self.ctx.region,
            "dynamodb": dynamodb,
            "eventSourceARN": self.stream_arn,
        }
        key = json.dumps(dynamodb.get("Keys", {}), sort_keys=True)
        return StreamRecord(int(dynamodb["SequenceNumber"]), arrival, key, event, int(dynamodb.get("SizeBytes", 0)))
