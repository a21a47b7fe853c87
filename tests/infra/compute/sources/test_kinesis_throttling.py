"""Kinesis -> Lambda when Lambda throttles the function (fault injection, infra/compute/faults): a
throttled batch is not a function error, so it uses no retry attempt and is not bisected; the
shard waits and the same batch is delivered once the throttling ends."""

from __future__ import annotations

from stream_records import numbers

from infra.compute import faults


def test_a_throttled_batch_uses_no_retry_attempt_and_is_delivered_whole_when_throttling_ends(
        cloud, stream, put, consumer):
    arn = stream()
    stack = consumer(arn, BatchSize=10, MaxRetryAttempts=0, Bisect="true", OnFailure="queue")
    put(arn, [{"n": i} for i in range(4)])
    injector = faults.enable(cloud.plane, 1.0, kinds=("lambda_throttle",))

    cloud.plane.settle(max_seconds=30)

    assert numbers(stack.outputs["Consumer"]) == []  # throttled: the handler never ran
    assert injector.injected["lambda_throttle"] > 3 and cloud.plane.in_flight() == 4

    faults.disable(cloud.plane)
    cloud.drain()

    assert numbers(stack.outputs["Consumer"]) == [[0, 1, 2, 3]]
    failures = cloud.client("sqs").receive_message(QueueUrl=stack.outputs["FailureQueueUrl"]).get("Messages", [])
    assert failures == []
