"""Event source throughput: records delivered per second (wall clock) by the compute plane's
Kinesis (1 and 4 shards) and DynamoDB Streams sources to a handler that does nothing, embedded,
on a virtual clock (polling intervals and windows cost no real time). Prints a Markdown table.

    python benchmarks/event_sources.py            # 20,000 records per row
    python benchmarks/event_sources.py --quick    # 4,000

What is measured is the source alone: reading the shards (GetRecords through moto in this
process), building Lambda's event, batching, the in-process invocation. Writing the records is
timed apart (PutRecords / BatchWriteItem through moto).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra.cloud import Cloud  # noqa: E402
from infra.compute.clock import VirtualClock  # noqa: E402

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  StreamArn: {Type: String}
  BatchSize: {Type: Number}
Resources:
  Sink:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, CodeUri: ./code/, Handler: sink.handler}
  SinkMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !Ref StreamArn
      FunctionName: !Ref Sink
      StartingPosition: TRIM_HORIZON
      BatchSize: !Ref BatchSize
"""
HANDLER = "def handler(event, context):\n    return {'records': len(event['Records'])}\n"


def _deploy(cloud: Cloud, folder: Path, stream_arn: str, batch_size: int) -> None:
    cloud.deploy("bench", template=folder / "template.yaml", stack_name=f"bench-{uuid.uuid4().hex[:6]}",
                  parameters={"StreamArn": stream_arn, "BatchSize": str(batch_size)})


def kinesis_row(folder: Path, shards: int, count: int, batch_size: int) -> tuple[str, float, float, int]:
    with Cloud.embedded(clock=VirtualClock()) as cloud:
        kinesis = cloud.client("kinesis")
        kinesis.create_stream(StreamName="bench", ShardCount=shards)
        arn = kinesis.describe_stream_summary(StreamName="bench")["StreamDescriptionSummary"]["StreamARN"]
        _deploy(cloud, folder, arn, batch_size)
        started = time.perf_counter()
        for start in range(0, count, 500):
            kinesis.put_records(StreamARN=arn, Records=[
                {"Data": json.dumps({"n": n}).encode(), "PartitionKey": f"account-{n % 64}"}
                for n in range(start, min(count, start + 500))])
        written = time.perf_counter() - started
        started = time.perf_counter()
        cloud.drain()
        delivered = time.perf_counter() - started
        invocations = len(cloud.plane.executor.invocations)  # type: ignore[union-attr]
        return f"Kinesis, {shards} shard(s), BatchSize {batch_size}", written, delivered, invocations


def dynamodb_row(folder: Path, count: int, batch_size: int) -> tuple[str, float, float, int]:
    with Cloud.embedded(clock=VirtualClock()) as cloud:
        ddb = cloud.client("dynamodb")
        table = ddb.create_table(
            TableName="bench", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]
        _deploy(cloud, folder, table["LatestStreamArn"], batch_size)
        started = time.perf_counter()
        for start in range(0, count, 25):
            ddb.batch_write_item(RequestItems={"bench": [
                {"PutRequest": {"Item": {"id": {"S": f"item-{n}"}, "n": {"N": str(n)}}}}
                for n in range(start, min(count, start + 25))]})
        written = time.perf_counter() - started
        started = time.perf_counter()
        cloud.drain()
        delivered = time.perf_counter() - started
        invocations = len(cloud.plane.executor.invocations)  # type: ignore[union-attr]
        return f"DynamoDB Streams, BatchSize {batch_size}", written, delivered, invocations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,000 records per row instead of 20,000")
    args = parser.parse_args(argv)
    count = 4_000 if args.quick else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "code").mkdir()
        (folder / "code" / "sink.py").write_text(HANDLER)
        (folder / "template.yaml").write_text(TEMPLATE)
        rows = [kinesis_row(folder, 1, count, 100), kinesis_row(folder, 4, count, 100),
                dynamodb_row(folder, count, 100)]
    print(f"{count:,} records per row; {platform.python_version()} on {platform.machine()}, "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n")
    print("| source | records written in | delivered in | records/s delivered | invocations |")
    print("|---|---:|---:|---:|---:|")
    for name, written, delivered, invocations in rows:
        print(f"| {name} | {written:.2f} s | {delivered:.2f} s | {count / delivered:,.0f} | {invocations} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
