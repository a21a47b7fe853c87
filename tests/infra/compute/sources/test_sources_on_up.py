"""Stream sources in ``samplecli.py up``'s endpoint: a shard poller per shard on the wall clock,
in background threads, reading what plain boto3 clients put over HTTP."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import boto3
import pytest
from stream_records import numbers

from infra import server
from infra.cloud import Cloud
from infra.ports import free_port

TEMPLATES = Path(__file__).resolve().parents[3] / "infra" / "fixtures" / "templates"


@pytest.fixture
def up():
    endpoint = server.start(port=free_port())
    yield endpoint
    endpoint.stop()


def test_a_kinesis_mapping_in_up_delivers_on_the_wall_clock(up, eventually):
    kinesis = boto3.client("kinesis", endpoint_url=up.url, region_name="us-east-1",
                           aws_access_key_id="any", aws_secret_access_key="any")
    name = f"up-stream-{uuid.uuid4().hex[:6]}"
    kinesis.create_stream(StreamName=name, ShardCount=2)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    cloud = Cloud.remote("local", up.url)
    stack = cloud.deploy("fixture", template=TEMPLATES / "stream_batch.yaml", stack_name=name,
                         parameters={"StreamArn": arn, "BatchSize": "10"})
    try:
        for n in range(6):
            kinesis.put_record(StreamName=name, Data=json.dumps({"n": n}).encode(), PartitionKey="one-key")

        assert eventually(lambda: numbers(stack.outputs["Consumer"]) == [[0, 1, 2, 3, 4, 5]], seconds=20), \
            numbers(stack.outputs["Consumer"])
    finally:
        cloud.destroy(stack.name)
