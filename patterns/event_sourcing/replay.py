"""Replay: rebuild the read model from the log into a fresh table and compare it with the live one.

    python -m patterns.event_sourcing.replay event-sourcing-kinesis --target local [--from stream] [--at EPOCH]
    python -m patterns.event_sourcing.replay event-sourcing-fifo --target localstack

``--from store`` (the default, both patterns) folds the event store's events; ``--from stream``
(Kinesis only) reads every shard from TRIM_HORIZON — or from ``--at`` (AT_TIMESTAMP, epoch
seconds) — and decides each command again with the consumer's own code, deduplicated on
transactionId, skipping records that are no command. An SQS FIFO queue cannot be re-read: a
consumed message is gone, so its pattern replays from the event store only. The fresh table is
deleted afterwards unless ``--keep``. Exit 1 when the rebuilt model differs from the live one.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

from functions.event_sourcing.ledger.commands import parse
from functions.event_sourcing.ledger.domain import EMPTY, AccountState, decide, evolve
from functions.event_sourcing.ledger.errors import PoisonCommand
from functions.event_sourcing.ledger.projection import ReadModel
from functions.event_sourcing.ledger.store import EventStore


@dataclass
class Replay:
    source: str  # "store" or "stream"
    table: str  # the fresh table the model was rebuilt into
    rebuilt: dict[str, AccountState]
    live: dict[str, AccountState]
    records: int = 0  # events (store) or stream records read
    skipped: dict[str, int] = field(default_factory=dict)  # stream: duplicates, not commands

    @property
    def equal(self) -> bool:
        return self.rebuilt == self.live

    def differences(self) -> list[str]:
        return [f"{account}: live {self.live.get(account)} rebuilt {self.rebuilt.get(account)}"
                for account in sorted(set(self.live) | set(self.rebuilt))
                if self.live.get(account) != self.rebuilt.get(account)]


def from_store(store: EventStore) -> tuple[dict[str, AccountState], int]:
    """Every account's state folded from its events (in version order)."""
    events = sorted(store.all_events(), key=lambda e: (e["account"], e["version"]))
    states: dict[str, AccountState] = {}
    for event in events:
        states[event["account"]] = evolve(states.get(event["account"], EMPTY), event)
    return states, len(events)


def stream_records(kinesis: Any, stream: str, at: float | None = None) -> Iterator[dict[str, Any]]:
    """Every record of every shard, shard by shard, in order (TRIM_HORIZON, or AT_TIMESTAMP ``at``)."""
    for page in kinesis.get_paginator("list_shards").paginate(StreamName=stream):
        for shard in page["Shards"]:
            position: dict[str, Any] = ({"ShardIteratorType": "AT_TIMESTAMP",
                                         "Timestamp": datetime.fromtimestamp(at, timezone.utc)}
                                        if at is not None else {"ShardIteratorType": "TRIM_HORIZON"})
            iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard["ShardId"], **position)["ShardIterator"]
            while iterator:
                answer = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
                yield from answer["Records"]
                if not answer["Records"] and not answer.get("MillisBehindLatest"):
                    break
                iterator = answer.get("NextShardIterator")


def from_stream(records: Iterator[dict[str, Any]]) -> tuple[dict[str, AccountState], int, dict[str, int]]:
    """The consumer's decisions made again from the commands in the stream."""
    states: dict[str, AccountState] = {}
    seen: set[str] = set()
    read, skipped = 0, {"duplicates": 0, "not commands": 0}
    for record in records:
        read += 1
        try:
            cmd = parse(record["PartitionKey"], bytes(record["Data"]).decode("utf-8", "replace"))
        except PoisonCommand:
            skipped["not commands"] += 1
            continue
        if cmd["transactionId"] in seen:
            skipped["duplicates"] += 1
            continue
        seen.add(cmd["transactionId"])
        event = decide(states.get(cmd["account"], EMPTY), cmd, 0)
        states[cmd["account"]] = evolve(states.get(cmd["account"], EMPTY), event)
    return states, read, skipped


def fresh_table(ddb: Any, name: str) -> str:
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "account", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "account", "KeyType": "HASH"}])
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return name


def replay(clients: Any, outputs: dict[str, str], source: str = "store", at: float | None = None,
           keep: bool = False) -> Replay:
    """Rebuild into a fresh table (``clients(service)`` gives boto3 clients of the stack's target)."""
    ddb = clients("dynamodb")
    skipped: dict[str, int] = {}
    if source == "stream":
        if "CommandStreamName" not in outputs:
            raise ValueError("this stack has no stream to replay (an SQS FIFO queue cannot be re-read): use --from store")
        states, read, skipped = from_stream(stream_records(clients("kinesis"), outputs["CommandStreamName"], at))
    else:
        states, read = from_store(EventStore(ddb, outputs["EventsTableName"], outputs["TransactionsTableName"]))
    table = fresh_table(ddb, f"{outputs['AccountsTableName'][:200]}-replay-{uuid.uuid4().hex[:8]}")
    try:
        model = ReadModel(ddb, table)
        for account, state in states.items():
            model.put(account, state)
        rebuilt = model.all()
        live = ReadModel(ddb, outputs["AccountsTableName"]).all()
    finally:
        if not keep:
            ddb.delete_table(TableName=table)
    return Replay(source, table, rebuilt, live, read, skipped)


def main(argv: list[str] | None = None, out: Any = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from infra.cloud import Cloud
    from infra.deploy import load_stack
    from infra.exceptions import ToolkitError

    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m patterns.event_sourcing.replay", description=__doc__.splitlines()[0])
    parser.add_argument("pattern", choices=["event-sourcing-kinesis", "event-sourcing-fifo"])
    parser.add_argument("--target", choices=["local", "localstack", "aws"], default="local")
    parser.add_argument("--endpoint-url")
    parser.add_argument("--region")
    parser.add_argument("--stack", help="the stack's name (default: the pattern's)")
    parser.add_argument("--from", dest="source", choices=["store", "stream"], default="store")
    parser.add_argument("--at", type=float, help="stream only: AT_TIMESTAMP, epoch seconds (default TRIM_HORIZON)")
    parser.add_argument("--keep", action="store_true", help="keep the rebuilt table")
    args = parser.parse_args(argv)
    try:
        with Cloud.remote(args.target, args.endpoint_url, args.region) as cloud:
            stack = load_stack(cloud.target, args.stack or args.pattern)
            result = replay(cloud.client, stack.outputs, args.source, args.at, args.keep)
    except (ValueError, ToolkitError, BotoCoreError, ClientError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for line in report_lines(result):
        print(line, file=out)
    return 0 if result.equal else 1


def report_lines(result: Replay) -> list[str]:
    where = "from the stream" if result.source == "stream" else "from the event store"
    skipped = ", ".join(f"{n} {what}" for what, n in result.skipped.items() if n)
    lines = [f"replayed {result.records} {'records' if result.source == 'stream' else 'events'} {where}"
             + (f" (skipped {skipped})" if skipped else "")
             + f" into {result.table}: {len(result.rebuilt)} accounts; equal to the live read model: "
             + ("yes" if result.equal else "NO")]
    return lines + [f"  {line}" for line in result.differences()]


if __name__ == "__main__":
    sys.exit(main())
