"""Kinesis -> Lambda with ParallelizationFactor: several batches of one shard at a time, the
order kept per partition key."""

from __future__ import annotations

import lambda_gates
from stream_records import bodies, events

from infra.compute.sources.shards import lane_of


def _by_key(function):
    """The ``n`` of every record in delivery order, per partition key."""
    order: dict[str, list[int]] = {}
    for event in events(function):
        for record, body in zip(event["Records"], bodies(event)):
            order.setdefault(record["kinesis"]["partitionKey"], []).append(body["n"])
    return order


def test_parallelization_splits_a_shard_into_concurrent_batches_keeping_order_per_key(cloud, stream, put, consumer,
                                                                                      tick):
    arn = stream()
    stack = consumer(arn, BatchSize=100, Parallelization=4)
    keys = [f"account-{i}" for i in range(12)]
    for n in range(120):
        put(arn, [{"n": n}], key=keys[n % 12])

    tick()

    got = events(stack.outputs["Consumer"])
    assert 1 < len(got) <= 4  # one shard, up to four batches at a time
    batch_keys = [{r["kinesis"]["partitionKey"] for r in e["Records"]} for e in got]
    assert all(not (a & b) for i, a in enumerate(batch_keys) for b in batch_keys[i + 1:])  # a key in one lane
    for key, ns in _by_key(stack.outputs["Consumer"]).items():
        assert ns == sorted(ns) and len(ns) == 10


def test_a_failing_key_holds_only_its_own_lane(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=10, Parallelization=2)
    keys = [f"k{i}" for i in range(20)]
    put(arn, [{"n": 0, "fail": True}], key=keys[0])
    for n in range(1, 40):
        put(arn, [{"n": n}], key=keys[n % 20])

    for _ in range(4):
        tick(5)

    delivered = _by_key(stack.outputs["Consumer"])
    held = lane_of(keys[0], 2)
    free = [k for k in keys if lane_of(k, 2) != held]
    assert free, "the keys should spread over both lanes"
    for key in free:  # the other lane went on, in order, however often the held lane failed
        assert delivered[key] == [n for n in range(40) if keys[n % 20] == key]
    assert set(delivered[keys[0]]) == {0}  # the failing record's lane is held at it


def test_in_the_background_lanes_of_one_shard_run_at_the_same_time(cloud, stream, put, consumer, eventually):
    arn = stream()
    stack = consumer(arn, BatchSize=1, Parallelization=2)
    arrived = lambda_gates.barrier(f"lanes-{arn}", 2)
    # two keys that land in different lanes, each batch waits for the other at a barrier
    first = "key-0"
    second = next(f"key-{i}" for i in range(1, 100) if lane_of(f"key-{i}", 2) != lane_of(first, 2))
    put(arn, [{"n": 0, "barrier": f"lanes-{arn}"}], key=first)
    put(arn, [{"n": 1, "barrier": f"lanes-{arn}"}], key=second)

    cloud.plane.start()

    assert eventually(lambda: len(events(stack.outputs["Consumer"])) == 2)
    assert not arrived.broken


def test_raising_the_factor_of_a_running_mapping_frees_the_keys_behind_a_held_one(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=10, Parallelization=1)
    held = "k0"
    free = next(f"k{i}" for i in range(1, 100) if lane_of(f"k{i}", 2) != lane_of(held, 2))
    put(arn, [{"n": 0, "fail": True}], key=held)
    put(arn, [{"n": n} for n in range(1, 4)], key=free)
    tick()
    assert _by_key(stack.outputs["Consumer"])[free] == [1, 2, 3]  # in the failing batch: not checkpointed

    cloud.client("lambda").update_event_source_mapping(UUID=stack.outputs["MappingId"], ParallelizationFactor=2)
    cloud.plane.refresh_mappings()
    tick(1)

    assert _by_key(stack.outputs["Consumer"])[free] == [1, 2, 3, 1, 2, 3]  # its own lane now, delivered once more
    tick(30)
    assert _by_key(stack.outputs["Consumer"])[free] == [1, 2, 3, 1, 2, 3]
    assert cloud.plane.in_flight() == 1  # only the held record
