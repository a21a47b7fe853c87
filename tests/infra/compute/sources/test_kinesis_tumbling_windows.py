"""Kinesis -> Lambda with TumblingWindowInSeconds: windows cut by arrival time, the state carried
from one invocation to the next within a window, a final invocation per window."""

from __future__ import annotations

from stream_records import bodies, events

from infra.compute.sources.failures import iso_time


def test_state_is_carried_between_invocations_of_a_window_and_the_final_one_closes_it(cloud, stream, put, consumer,
                                                                                     tick):
    arn = stream()
    stack = consumer(arn, BatchSize=2, TumblingWindow=60)
    cloud.plane.clock.advance(60 - cloud.clock.now() % 60)  # at the start of a window
    start = cloud.clock.now()
    put(arn, [{"n": 1}, {"n": 2}, {"n": 3}])

    tick()
    got = events(stack.outputs["Consumer"])
    assert [[b["n"] for b in bodies(e)] for e in got] == [[1, 2], [3]]
    assert [e["state"] for e in got] == [{}, {"sum": 3, "invocations": 1}]
    assert all(e["window"] == {"start": iso_time(start), "end": iso_time(start + 60)} for e in got)
    assert not any(e["isFinalInvokeForWindow"] for e in got)

    tick(61)  # the window has ended: its final invocation, with the state so far and no records
    final = events(stack.outputs["Consumer"])[-1]
    assert final["isFinalInvokeForWindow"] is True and final["Records"] == []
    assert final["state"] == {"sum": 6, "invocations": 2}
    assert final["shardId"].startswith("shardId-") and final["eventSourceARN"] == arn
    assert final["isWindowTerminatedEarly"] is False


def test_records_of_the_next_window_start_with_a_fresh_state(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=100, TumblingWindow=30)
    cloud.plane.clock.advance(30 - cloud.clock.now() % 30)
    put(arn, [{"n": 1}])
    cloud.plane.clock.advance(31)
    put(arn, [{"n": 10}])

    cloud.drain()

    got = events(stack.outputs["Consumer"])
    assert [([b["n"] for b in bodies(e)], e["isFinalInvokeForWindow"]) for e in got] == [
        ([1], False), ([], True), ([10], False), ([], True)]
    assert got[2]["state"] == {}  # a new window
    assert got[3]["state"] == {"sum": 10, "invocations": 1}
    assert got[0]["window"]["end"] == got[2]["window"]["start"]


def test_an_open_window_counts_as_in_flight_until_its_final_invocation(cloud, stream, put, consumer, tick):
    arn = stream()
    consumer(arn, TumblingWindow=120)
    put(arn, [{"n": 1}])

    tick()
    assert cloud.plane.in_flight() == 1
    cloud.drain()
    assert cloud.plane.in_flight() == 0


def test_a_state_over_one_megabyte_ends_its_window_early(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=1, TumblingWindow=300)
    put(arn, [{"n": 1, "big_state": True}, {"n": 2}])

    tick()

    got = events(stack.outputs["Consumer"])
    assert [([b["n"] for b in bodies(e)], e["isFinalInvokeForWindow"], e["isWindowTerminatedEarly"]) for e in got] == [
        ([1], False, False), ([], True, True), ([2], False, False)]
    assert got[2]["state"] == {}  # the next records start a fresh state
