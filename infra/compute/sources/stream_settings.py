"""A stream mapping's settings (Kinesis, DynamoDB Streams), with Lambda's defaults and limits,
and the shards of a stream as its API lists them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class ShardInfo:
    """A shard as the stream lists it: its parents (a split or merge) and whether it is closed."""

    shard_id: str
    parents: tuple[str, ...] = ()
    closed: bool = False


@dataclass
class StreamMapping:
    """The settings of a stream mapping (ListEventSourceMappings, with Lambda's defaults)."""

    uuid: str
    function_arn: str
    source_arn: str
    batch_size: int = 100
    batching_window: float = 0.0
    starting_position: str = "TRIM_HORIZON"
    starting_timestamp: float | None = None
    max_retry_attempts: int = -1
    max_record_age: float = -1
    bisect: bool = False
    report_batch_item_failures: bool = False
    parallelization: int = 1
    tumbling_window: float = 0.0
    on_failure: str | None = None

    @classmethod
    def from_api(cls, esm: dict[str, Any]) -> "StreamMapping":
        return cls(
            uuid=esm["UUID"], function_arn=esm["FunctionArn"], source_arn=esm["EventSourceArn"],
            batch_size=int(esm.get("BatchSize") or 100),
            batching_window=float(esm.get("MaximumBatchingWindowInSeconds") or 0),
            starting_position=esm.get("StartingPosition") or "TRIM_HORIZON",
            starting_timestamp=_epoch(esm.get("StartingPositionTimestamp")),
            max_retry_attempts=_int_or(esm.get("MaximumRetryAttempts"), -1),
            max_record_age=_int_or(esm.get("MaximumRecordAgeInSeconds"), -1),
            bisect=bool(esm.get("BisectBatchOnFunctionError")),
            report_batch_item_failures="ReportBatchItemFailures" in (esm.get("FunctionResponseTypes") or []),
            parallelization=int(esm.get("ParallelizationFactor") or 1),
            tumbling_window=float(esm.get("TumblingWindowInSeconds") or 0),
            on_failure=((esm.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination"),
        )


def _epoch(value: Any) -> float | None:
    """A timestamp from the API (a datetime) or a template (seconds) as seconds since the epoch."""
    if value is None:
        return None
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _int_or(value: Any, default: int) -> int:
    return default if value is None else int(value)


def check_stream_mapping(props: dict[str, Any], positions: tuple[str, ...]) -> str | None:
    """What Lambda (or this plane) refuses in a stream mapping's properties."""
    position = props.get("StartingPosition")
    if position not in positions:
        return f"StartingPosition must be one of {', '.join(positions)} (got {position!r})"
    if position == "AT_TIMESTAMP" and props.get("StartingPositionTimestamp") is None:
        return "StartingPosition AT_TIMESTAMP needs StartingPositionTimestamp"
    limits = {"BatchSize": (1, 10_000), "MaximumBatchingWindowInSeconds": (0, 300),
              "ParallelizationFactor": (1, 10), "TumblingWindowInSeconds": (0, 900),
              "MaximumRetryAttempts": (-1, 10_000), "MaximumRecordAgeInSeconds": (-1, 604_800)}
    for key, (low, high) in limits.items():
        if key in props and not low <= int(props[key]) <= high:
            return f"{key} {props[key]} is outside {low}..{high}"
    age = props.get("MaximumRecordAgeInSeconds")
    if age is not None and int(age) != -1 and int(age) < 60:
        return f"MaximumRecordAgeInSeconds {age} must be -1 or 60..604800"
    destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    if destination and ":sqs:" not in destination and ":sns:" not in destination:
        return f"DestinationConfig.OnFailure {destination}: the compute plane sends failure records to SQS or SNS only"
    if set(props.get("FunctionResponseTypes") or []) - {"ReportBatchItemFailures"}:
        return f"FunctionResponseTypes {props['FunctionResponseTypes']} are not supported"
    return None


def shard_info(shard: dict[str, Any]) -> ShardInfo:
    """From a ListShards / DescribeStream shard (both APIs name the fields alike)."""
    parents = tuple(shard[key] for key in ("ParentShardId", "AdjacentParentShardId") if shard.get(key))
    return ShardInfo(shard["ShardId"], parents, "EndingSequenceNumber" in shard.get("SequenceNumberRange", {}))
