"""Kinesis -> Lambda: batches, order, polling and the event's shape, on a virtual clock."""

from __future__ import annotations

import base64
import json

from stream_records import bodies, events, numbers


def test_records_arrive_in_batches_of_batch_size_in_shard_order(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=10)
    put(arn, [{"n": i} for i in range(25)])

    tick()

    assert numbers(stack.outputs["Consumer"]) == [list(range(10)), list(range(10, 20)), list(range(20, 25))]


def test_a_batch_holds_records_of_one_shard_only_and_each_shard_keeps_its_order(cloud, stream, put, consumer, tick):
    arn = stream(shards=4)
    stack = consumer(arn, BatchSize=100)
    for i in range(40):
        put(arn, [{"n": i, "key": f"key-{i % 8}"}], key=f"key-{i % 8}")

    tick()

    got = events(stack.outputs["Consumer"])
    shards_per_batch = [{r["eventID"].split(":")[0] for r in e["Records"]} for e in got]
    assert all(len(shards) == 1 for shards in shards_per_batch)
    assert len(got) == len({next(iter(s)) for s in shards_per_batch}) > 1  # one batch per used shard
    for event in got:
        sequences = [int(r["kinesis"]["sequenceNumber"]) for r in event["Records"]]
        assert sequences == sorted(sequences)
    assert sorted(n for e in got for n in (b["n"] for b in bodies(e))) == list(range(40))


def test_records_put_after_a_poll_wait_for_the_next_poll_about_a_second_later(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn)
    put(arn, [{"n": 0}])
    tick()
    put(arn, [{"n": 1}])

    tick()
    assert numbers(stack.outputs["Consumer"]) == [[0]]  # polled a moment ago: the shard is read again in 1 s
    tick(1)
    assert numbers(stack.outputs["Consumer"]) == [[0], [1]]


def test_batching_window_holds_a_partial_batch_until_it_passes(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=10, BatchingWindow=5)
    put(arn, [{"n": i} for i in range(3)])

    tick()
    tick(4)
    assert numbers(stack.outputs["Consumer"]) == []
    tick(1)
    assert numbers(stack.outputs["Consumer"]) == [[0, 1, 2]]


def test_a_full_batch_does_not_wait_for_the_batching_window(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=10, BatchingWindow=60)
    put(arn, [{"n": i} for i in range(12)])

    tick()
    assert numbers(stack.outputs["Consumer"]) == [list(range(10))]
    tick(60)
    assert numbers(stack.outputs["Consumer"]) == [list(range(10)), [10, 11]]


def test_event_records_have_the_shape_lambda_sends(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn)
    (sequence,) = put(arn, [{"n": 7}], key="account-1")
    arrived = cloud.clock.now()

    tick()

    (event,) = events(stack.outputs["Consumer"])
    (record,) = event["Records"]
    role = cloud.client("lambda").get_function_configuration(FunctionName=stack.outputs["Consumer"])["Role"]
    shard = cloud.client("kinesis").list_shards(StreamARN=arn)["Shards"][0]["ShardId"]
    assert record == {
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "account-1", "sequenceNumber": sequence,
                    "data": base64.b64encode(json.dumps({"n": 7}).encode()).decode(),
                    "approximateArrivalTimestamp": record["kinesis"]["approximateArrivalTimestamp"]},
        "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"{shard}:{sequence}",
        "eventName": "aws:kinesis:record", "invokeIdentityArn": role, "awsRegion": "us-east-1",
        "eventSourceARN": arn,
    }
    assert abs(record["kinesis"]["approximateArrivalTimestamp"] - arrived) < 0.01  # on the virtual clock


def test_sequence_numbers_look_like_kinesis_and_increase_per_shard(cloud, stream, put):
    arn = stream(shards=2)
    first = put(arn, [{"n": i} for i in range(5)], key="a")

    assert all(len(s) == 56 and s.isdigit() for s in first)
    assert [int(s) for s in first] == sorted(int(s) for s in first)
    assert len(set(first)) == 5


def test_moto_does_not_invoke_the_function_inside_put_record(cloud, stream, put, consumer):
    arn = stream()
    stack = consumer(arn)

    put(arn, [{"n": i} for i in range(3)])  # no tick: nothing polled yet

    assert events(stack.outputs["Consumer"]) == []
    assert cloud.plane.in_flight() > 0


def test_shards_made_by_a_split_are_read_from_their_start(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn)
    put(arn, [{"n": 0}])
    tick()
    kinesis = cloud.client("kinesis")
    (shard,) = kinesis.list_shards(StreamARN=arn)["Shards"]
    middle = (int(shard["HashKeyRange"]["StartingHashKey"]) + int(shard["HashKeyRange"]["EndingHashKey"])) // 2
    kinesis.split_shard(StreamARN=arn, ShardToSplit=shard["ShardId"], NewStartingHashKey=str(middle))
    put(arn, [{"n": i} for i in range(1, 6)], key="after-the-split")

    cloud.drain()

    got = events(stack.outputs["Consumer"])
    assert [b["n"] for e in got for b in bodies(e)] == list(range(6))
    assert len({r["eventID"].split(":")[0] for e in got for r in e["Records"]}) == 2  # the parent, then a child


def test_in_the_background_new_shards_get_their_poller(cloud, stream, put, consumer, eventually):
    arn = stream()
    stack = consumer(arn)
    cloud.plane.start()
    kinesis = cloud.client("kinesis")
    (shard,) = kinesis.list_shards(StreamARN=arn)["Shards"]
    kinesis.split_shard(StreamARN=arn, ShardToSplit=shard["ShardId"], NewStartingHashKey=str(2 ** 127))
    cloud.plane.clock.advance(60)  # past the source's next look at the shard list
    put(arn, [{"n": i} for i in range(4)], key="child")

    assert eventually(lambda: [b["n"] for e in events(stack.outputs["Consumer"]) for b in bodies(e)] == [0, 1, 2, 3])


def test_a_batch_is_sent_before_its_payload_passes_six_megabytes(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=100)
    padding = "x" * 900_000  # 1.2 MB each once base64-encoded in the event: five fit in 6 MB, six do not
    put(arn, [{"n": i, "padding": padding} for i in range(7)])

    tick()

    assert numbers(stack.outputs["Consumer"]) == [[0, 1, 2, 3, 4], [5, 6]]
