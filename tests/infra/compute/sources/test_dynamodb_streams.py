"""DynamoDB Streams -> Lambda: every consumer sees every record, TRIM_HORIZON / LATEST, 24 h
retention, the event's shape, failure records with DDBStreamBatchInfo, on a virtual clock."""

from __future__ import annotations

import uuid

import pytest
from stream_records import events, failure_records


@pytest.fixture
def table(cloud):
    """``table()``: a new table with a NEW_AND_OLD_IMAGES stream; returns (name, stream ARN)."""

    def _table():
        ddb = cloud.client("dynamodb")
        name = f"table-{uuid.uuid4().hex[:8]}"
        description = ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})["TableDescription"]
        return name, description["LatestStreamArn"]

    return _table


def _write(cloud, name, item_id, **attributes):
    item = {"id": {"S": item_id}}
    for key, value in attributes.items():
        item[key] = {"BOOL": value} if isinstance(value, bool) else {"N": str(value)}
    cloud.client("dynamodb").put_item(TableName=name, Item=item)


def _changes(function):
    """(eventName, id) of every record the function got, in order."""
    return [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for e in events(function) for r in e["Records"]]


def test_two_consumers_each_see_every_record(cloud, table, consumer, tick):
    name, arn = table()
    stack = consumer(arn, SecondConsumer="true")
    for i in range(5):
        _write(cloud, name, f"item-{i}", n=i)

    tick()

    expected = [("INSERT", f"item-{i}") for i in range(5)]
    assert _changes(stack.outputs["Consumer"]) == expected
    assert _changes(stack.outputs["SecondConsumer"]) == expected


def test_the_stream_still_holds_what_the_consumers_read(cloud, table, consumer, tick):
    name, arn = table()
    consumer(arn)
    _write(cloud, name, "a", n=1)
    tick()

    streams = cloud.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    assert len(streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]) == 1


def test_trim_horizon_and_latest(cloud, table, consumer, tick):
    name, arn = table()
    _write(cloud, name, "before")
    stack = consumer(arn, StartingPosition="TRIM_HORIZON", SecondConsumer="true", SecondStartingPosition="LATEST")
    _write(cloud, name, "after")

    tick()

    assert _changes(stack.outputs["Consumer"]) == [("INSERT", "before"), ("INSERT", "after")]
    assert _changes(stack.outputs["SecondConsumer"]) == [("INSERT", "after")]


def test_records_older_than_24_hours_are_gone_from_the_stream(cloud, table, consumer, tick):
    name, arn = table()
    _write(cloud, name, "old")
    cloud.plane.clock.advance(24 * 3600 + 1)
    _write(cloud, name, "new")
    stack = consumer(arn, StartingPosition="TRIM_HORIZON")

    tick()

    assert _changes(stack.outputs["Consumer"]) == [("INSERT", "new")]


def test_event_records_have_the_shape_lambda_sends(cloud, table, consumer, tick):
    name, arn = table()
    stack = consumer(arn)
    _write(cloud, name, "a", n=1)
    cloud.client("dynamodb").update_item(TableName=name, Key={"id": {"S": "a"}}, UpdateExpression="SET n = :n",
                                         ExpressionAttributeValues={":n": {"N": "2"}})
    cloud.client("dynamodb").delete_item(TableName=name, Key={"id": {"S": "a"}})
    now = cloud.clock.now()

    tick()

    records = [r for e in events(stack.outputs["Consumer"]) for r in e["Records"]]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = records
    assert {k: insert[k] for k in ("eventVersion", "eventSource", "awsRegion", "eventSourceARN")} == {
        "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1", "eventSourceARN": arn}
    assert modify["dynamodb"]["OldImage"]["n"] == {"N": "1"} and modify["dynamodb"]["NewImage"]["n"] == {"N": "2"}
    assert remove["dynamodb"]["Keys"] == {"id": {"S": "a"}} and "NewImage" not in remove["dynamodb"]
    assert insert["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert abs(insert["dynamodb"]["ApproximateCreationDateTime"] - now) <= 1  # epoch seconds on the virtual clock
    sequences = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequences == sorted(sequences)


def test_an_update_that_creates_an_item_writes_one_insert_record(cloud, table, consumer, tick):
    name, arn = table()
    stack = consumer(arn)
    cloud.client("dynamodb").update_item(TableName=name, Key={"id": {"S": "new"}}, UpdateExpression="SET n = :n",
                                         ExpressionAttributeValues={":n": {"N": "5"}})

    tick()

    (record,) = [r for e in events(stack.outputs["Consumer"]) for r in e["Records"]]
    assert record["eventName"] == "INSERT"
    assert record["dynamodb"]["NewImage"] == {"id": {"S": "new"}, "n": {"N": "5"}}


def test_a_failing_batch_holds_the_shard_then_goes_to_on_failure_with_ddb_stream_batch_info(cloud, table, consumer,
                                                                                          tick):
    name, arn = table()
    stack = consumer(arn, MaxRetryAttempts=1, OnFailure="queue")
    _write(cloud, name, "bad", fail=True)

    tick()
    _write(cloud, name, "good")
    tick()
    assert _changes(stack.outputs["Consumer"]) == [("INSERT", "bad")]  # held: "good" waits
    cloud.drain()

    assert _changes(stack.outputs["Consumer"]) == [("INSERT", "bad"), ("INSERT", "bad"), ("INSERT", "good")]
    (record,) = failure_records(cloud, stack.outputs["FailureQueueUrl"])
    info = record["DDBStreamBatchInfo"]
    assert info["streamArn"] == arn and info["batchSize"] == 1
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert "KinesisBatchInfo" not in record


def test_dynamodb_streams_refuse_at_timestamp(cloud, table, consumer):
    from infra.exceptions import DeployError

    _, arn = table()
    with pytest.raises(DeployError) as failed:
        consumer(arn, StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=1)

    assert failed.value.logical_id == "ConsumerMapping"
