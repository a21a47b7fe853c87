"""Kinesis -> Lambda: where a new mapping starts reading (TRIM_HORIZON, LATEST, AT_TIMESTAMP)."""

from __future__ import annotations

from stream_records import numbers


def test_trim_horizon_delivers_records_put_before_the_mapping(cloud, stream, put, consumer, tick):
    arn = stream()
    put(arn, [{"n": 0}, {"n": 1}])
    stack = consumer(arn, StartingPosition="TRIM_HORIZON")

    tick()

    assert numbers(stack.outputs["Consumer"]) == [[0, 1]]


def test_latest_delivers_only_records_put_after_the_mapping(cloud, stream, put, consumer, tick):
    arn = stream()
    put(arn, [{"n": 0}, {"n": 1}])
    stack = consumer(arn, StartingPosition="LATEST")
    put(arn, [{"n": 2}])

    tick()

    assert numbers(stack.outputs["Consumer"]) == [[2]]


def test_at_timestamp_delivers_records_from_that_moment_on(cloud, stream, put, consumer, tick):
    arn = stream()
    put(arn, [{"n": 0}])
    cloud.plane.clock.advance(60)
    moment = cloud.clock.now()
    cloud.plane.clock.advance(1)
    put(arn, [{"n": 1}, {"n": 2}])
    stack = consumer(arn, StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=moment)

    tick()

    assert numbers(stack.outputs["Consumer"]) == [[1, 2]]


def test_records_past_the_stream_retention_are_not_delivered_from_trim_horizon(cloud, stream, put, consumer, tick):
    arn = stream()
    put(arn, [{"n": 0}])
    cloud.plane.clock.advance(25 * 3600)  # moto keeps them; Kinesis would have trimmed them after 24 h
    put(arn, [{"n": 1}])
    stack = consumer(arn, StartingPosition="TRIM_HORIZON")

    tick()

    assert numbers(stack.outputs["Consumer"]) == [[1]]
    kinesis = cloud.client("kinesis")  # any other reader of the stream sees the same
    shard = kinesis.list_shards(StreamARN=arn)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamARN=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    assert len(kinesis.get_records(ShardIterator=iterator["ShardIterator"], StreamARN=arn)["Records"]) == 1
