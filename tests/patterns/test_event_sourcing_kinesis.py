"""event-sourcing-kinesis end to end on the virtual clock: 16 concurrent producers through API
Gateway's PutRecord integration with resent transactions, a poison record bisected out to the
on-failure queue, replay from the stream and from the event store."""

from __future__ import annotations

import pytest

from patterns.api_client import call
from patterns.event_sourcing.replay import replay
from patterns.event_sourcing.transports import POISON
from patterns.event_sourcing_kinesis import workload

PATTERN = "event-sourcing-kinesis"


def test_sixteen_concurrent_producers_with_resent_transactions_keep_every_invariant(ledger_run):
    _, _, result = ledger_run

    assert [i.name for i in workload.invariants(result) if not i.held] == []
    assert (result["posted"], result["accepted"], result["distinct"]) == (64, 64, 48)
    assert result["recorded"] == 48 and result["deduplicated"] == 16
    assert result["applied"] + result["rejected"] == 48 and result["rejected"] > 0


def test_poison_record_is_bisected_out_to_the_on_failure_queue_and_can_be_read_back(ledger_run):
    cloud, stack, result = ledger_run

    [failure] = result["isolated_records"]
    batch = failure["KinesisBatchInfo"]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert batch["batchSize"] == 1 and batch["startSequenceNumber"] == batch["endSequenceNumber"]
    kinesis = cloud.client("kinesis")
    iterator = kinesis.get_shard_iterator(StreamName=stack.outputs["CommandStreamName"], ShardId=batch["shardId"],
                                          ShardIteratorType="AT_SEQUENCE_NUMBER",
                                          StartingSequenceNumber=batch["startSequenceNumber"])["ShardIterator"]
    assert kinesis.get_records(ShardIterator=iterator, Limit=1)["Records"][0]["Data"] == POISON


def test_replay_from_the_stream_and_from_the_event_store_equals_the_live_read_model(ledger_run):
    _, _, result = ledger_run

    assert result["replays"] == {"event store": True, "stream TRIM_HORIZON": True, "stream AT_TIMESTAMP": True}


def test_replay_tells_a_read_model_that_drifted_from_the_log(ledger_run):
    cloud, stack, _ = ledger_run
    ddb = cloud.client("dynamodb")
    table = stack.outputs["AccountsTableName"]
    item = ddb.scan(TableName=table, Limit=1)["Items"][0]
    account = item["account"]["S"]
    ddb.put_item(TableName=table, Item={**item, "balance": {"N": str(int(item["balance"]["N"]) + 1)}})
    try:
        drifted = replay(cloud.client, stack.outputs, "stream")
    finally:
        ddb.put_item(TableName=table, Item=item)

    assert not drifted.equal and [line.split(":")[0] for line in drifted.differences()] == [account]
    assert drifted.skipped == {"duplicates": 16, "not commands": 1}
    assert replay(cloud.client, stack.outputs, "stream", at=cloud.clock.now() + 3600).rebuilt == {}


def test_a_bad_body_gets_api_gateways_400_and_reads_answer_from_the_read_model(ledger_run):
    cloud, stack, result = ledger_run
    url = cloud.api_url(stack.outputs["ApiId"], "prod")

    bad = call("POST", f"{url}/accounts/acct-1/transactions", {"transactionId": "t", "type": "deposit", "amount": 0})
    unknown = call("GET", f"{url}/accounts/nobody")

    assert result["refused"] == 400 and bad.status == 400 and "amount" in bad.body["message"]
    assert unknown.status == 404
