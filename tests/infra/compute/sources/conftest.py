"""Fixtures for the stream source tests (Kinesis, DynamoDB Streams) on a virtual clock.

The consumer (fixtures/handlers/stream_batch.py) logs every event it receives in
``stream_log`` (fixtures/shared, the same module object here) and fails as each record asks.
Streams and tables are made here with boto3; fixtures/templates/stream_batch.yaml deploys the
function and its mapping with the settings a test passes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from infra.cloud import Cloud


@pytest.fixture
def stream(cloud: Cloud) -> Callable[..., str]:
    """``stream(shards=1)``: a new Kinesis stream; returns its ARN."""

    def _stream(shards: int = 1) -> str:
        kinesis = cloud.client("kinesis")
        name = f"stream-{uuid.uuid4().hex[:8]}"
        kinesis.create_stream(StreamName=name, ShardCount=shards)
        return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]

    return _stream


@pytest.fixture
def put(cloud: Cloud) -> Callable[..., list[str]]:
    """``put(stream_arn, bodies, key="k")``: PutRecord each JSON body in order; returns sequence numbers."""

    def _put(stream_arn: str, bodies: list[dict[str, Any]], key: str = "k") -> list[str]:
        kinesis = cloud.client("kinesis")
        return [kinesis.put_record(StreamARN=stream_arn, Data=json.dumps(body).encode(), PartitionKey=key)
                ["SequenceNumber"] for body in bodies]

    return _put


@pytest.fixture
def consumer(deploy: Callable[..., Any]) -> Callable[..., Any]:
    """``consumer(stream_arn, **settings)``: deploys stream_batch.yaml reading that stream."""

    def _consumer(stream_arn: str, **settings: Any) -> Any:
        return deploy("stream_batch", StreamArn=stream_arn, **settings)

    return _consumer
