"""What differs between the two patterns, seen from outside: how a poison record gets in (a buggy
producer writing straight to the stream or queue, past API Gateway's validator) and where it is
isolated (Kinesis: the on-failure queue's failure record; SQS FIFO: the dead-letter queue)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from infra.workload import queue_bodies

POISON = b"{this is not a transaction"


def queue_depth(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(v) for v in attrs.values())


@dataclass(frozen=True)
class Transport:
    name: str
    isolation_output: str  # the stack output naming the queue poison ends up in
    replays_from_stream: bool

    def inject_poison(self, cloud: Any, outputs: dict[str, str], account: str) -> None:
        if self.name == "kinesis":
            cloud.client("kinesis").put_record(StreamName=outputs["CommandStreamName"], PartitionKey=account,
                                               Data=POISON)
        else:
            cloud.client("sqs").send_message(QueueUrl=outputs["CommandQueueUrl"], MessageBody=POISON.decode(),
                                             MessageGroupId=account, MessageDeduplicationId="poison-1")

    def isolated_bodies(self, cloud: Any, outputs: dict[str, str]) -> list[bytes]:
        """What was isolated, as written to the transport: the DLQ's message bodies (SQS FIFO), or
        the stream records each on-failure record points at (Kinesis: shard and sequence range)."""
        if self.name != "kinesis":
            return [body.encode() for body in queue_bodies(cloud.client("sqs"), outputs[self.isolation_output])]
        kinesis, found = cloud.client("kinesis"), []
        for record in self.inspect(cloud, outputs):
            batch = record.get("KinesisBatchInfo", {})
            iterator = kinesis.get_shard_iterator(
                StreamName=outputs["CommandStreamName"], ShardId=batch["shardId"],
                ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=batch["startSequenceNumber"],
            )["ShardIterator"]
            records = kinesis.get_records(ShardIterator=iterator, Limit=batch["batchSize"])["Records"]
            found += [r["Data"] for r in records if int(r["SequenceNumber"]) <= int(batch["endSequenceNumber"])]
        return found

    def isolated(self, cloud: Any, outputs: dict[str, str]) -> int:
        return queue_depth(cloud.client("sqs"), outputs[self.isolation_output])

    def inspect(self, cloud: Any, outputs: dict[str, str]) -> list[dict[str, Any]]:
        """What the isolation queue holds (received and left there: visible again after 0 s)."""
        sqs = cloud.client("sqs")
        answer = sqs.receive_message(QueueUrl=outputs[self.isolation_output], MaxNumberOfMessages=10,
                                     VisibilityTimeout=0, AttributeNames=["All"])
        found = []
        for message in answer.get("Messages", []):
            try:
                found.append(json.loads(message["Body"]))
            except ValueError:
                found.append({"body": message["Body"]})
        return found


KINESIS = Transport("kinesis", "PoisonQueueUrl", replays_from_stream=True)
FIFO = Transport("sqs-fifo", "CommandDeadLetterQueueUrl", replays_from_stream=False)
