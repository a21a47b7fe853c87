"""Kinesis -> Lambda event source mappings (a source kind): one poller per shard, about once a
second on the plane's clock, with Lambda's batching, ordering, checkpointing, retries, bisection,
partial batch responses, failure destinations, parallelization and tumbling windows
(shards.py). Records are read through the Kinesis API (GetShardIterator / GetRecords), so other
consumers of the stream see every record too."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any, TypedDict

from infra.compute.sources import SourceContext
from infra.compute.sources.moto_kinesis import install_moto_hooks
from infra.compute.sources.shards import StreamRecord, StreamSource
from infra.compute.sources.stream_settings import ShardInfo, StreamMapping, check_stream_mapping, shard_info

SERVICE = "kinesis"
POLL_INTERVAL = 1.0  # Lambda polls each shard about once a second
POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
RECORD_OVERHEAD = 400  # bytes of an event record around its data, key and sequence number
__all__ = ["SERVICE", "build", "check", "install_moto_hooks"]


class KinesisData(TypedDict):
    kinesisSchemaVersion: str
    partitionKey: str
    sequenceNumber: str
    data: str  # base64
    approximateArrivalTimestamp: float


class KinesisEventRecord(TypedDict):
    """One record of the event Lambda sends for a Kinesis mapping."""

    kinesis: KinesisData
    eventSource: str
    eventVersion: str
    eventID: str  # shardId-...:sequenceNumber
    eventName: str
    invokeIdentityArn: str
    awsRegion: str
    eventSourceARN: str


def check(props: dict[str, Any]) -> str | None:
    if "/consumer/" in str(props.get("EventSourceArn", "")):
        return "enhanced fan-out (a stream consumer's ARN) is not run by the compute plane: map the stream's ARN"
    return check_stream_mapping(props, POSITIONS)


def build(esm: dict[str, Any], ctx: SourceContext) -> StreamSource:
    mapping = StreamMapping.from_api(esm)
    kinesis = ctx.clients("kinesis")
    arn = mapping.source_arn
    summary = kinesis.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]
    role = ctx.clients("lambda").get_function_configuration(FunctionName=mapping.function_arn)["Role"]
    retention = float(summary.get("RetentionPeriodHours", 24)) * 3600

    def shards() -> list[ShardInfo]:
        return [shard_info(shard) for shard in kinesis.list_shards(StreamARN=arn)["Shards"]]

    def open_reader(shard_id: str, at_mapping_start: bool) -> KinesisShardReader:
        position = mapping.starting_position if at_mapping_start else "TRIM_HORIZON"
        return KinesisShardReader(ctx, arn, shard_id, position, mapping.starting_timestamp, role)

    return StreamSource(mapping, ctx, POLL_INTERVAL, retention, "KinesisBatchInfo", shards, open_reader)


class KinesisShardReader:
    def __init__(self, ctx: SourceContext, stream_arn: str, shard_id: str, position: str,
                 timestamp: float | None, role_arn: str) -> None:
        self.ctx = ctx
        self.kinesis = ctx.clients("kinesis")
        self.stream_arn = stream_arn
        self.shard_id = shard_id
        self.role_arn = role_arn
        kwargs: dict[str, Any] = {"StreamARN": stream_arn, "ShardId": shard_id, "ShardIteratorType": position}
        if position == "AT_TIMESTAMP":
            kwargs["Timestamp"] = datetime.fromtimestamp(timestamp or 0.0, timezone.utc)
        self.iterator: str | None = self.kinesis.get_shard_iterator(**kwargs)["ShardIterator"]

    def read(self, limit: int) -> list[StreamRecord]:
        if self.iterator is None:
            return []  # a closed shard read to its end
        response = self.kinesis.get_records(ShardIterator=self.iterator, Limit=limit, StreamARN=self.stream_arn)
        self.iterator = response.get("NextShardIterator")
        return [self._record(r) for r in response["Records"]]

    def has_unread(self) -> bool:
        if self.iterator is None:
            return False
        response = self.kinesis.get_records(ShardIterator=self.iterator, Limit=1, StreamARN=self.stream_arn)
        return bool(response["Records"])

    def _record(self, record: dict[str, Any]) -> StreamRecord:
        arrival = record["ApproximateArrivalTimestamp"].timestamp()
        sequence = record["SequenceNumber"]
        data = base64.b64encode(record["Data"]).decode("ascii")
        event: KinesisEventRecord = {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record["PartitionKey"],
                "sequenceNumber": sequence,
                "data": data,
                "approximateArrivalTimestamp": round(arrival, 3),
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{self.shard_id}:{sequence}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": self.role_arn,
            "awsRegion": self.ctx.region,
            "eventSourceARN": self.stream_arn,
        }
        size = len(data) + len(sequence) + len(record["PartitionKey"]) + RECORD_OVERHEAD
        return StreamRecord(int(sequence), arrival, record["PartitionKey"], dict(event), size)
