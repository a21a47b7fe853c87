"""Kinesis -> Lambda when the function fails: the shard is held and retried, the checkpoint only
moves past success, bisection, partial batch responses, retry and age limits, and the failure
record sent to OnFailure (SQS or SNS), on a virtual clock."""

from __future__ import annotations

import pytest
from stream_records import events, failure_records, numbers


def test_an_error_holds_the_shard_and_retries_the_same_batch_until_it_succeeds(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=3)
    put(arn, [{"n": 0}, {"n": 1, "fail_times": 2}, {"n": 2}, {"n": 3}])

    tick()
    assert numbers(stack.outputs["Consumer"]) == [[0, 1, 2]]
    assert cloud.plane.in_flight() > 0  # the held batch and the record behind it
    tick(1)
    tick(2)  # retried after 1 s, then 2 s
    assert numbers(stack.outputs["Consumer"]) == [[0, 1, 2]] * 3 + [[3]]  # never past the failing batch
    assert cloud.plane.in_flight() == 0


def test_records_behind_a_failing_batch_wait_however_many_arrive(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=2)
    put(arn, [{"n": 0, "fail": True}, {"n": 1}])
    tick()
    put(arn, [{"n": i} for i in range(2, 10)])

    for _ in range(5):
        tick(30)

    assert {n for batch in numbers(stack.outputs["Consumer"]) for n in batch} == {0, 1}


def test_maximum_retry_attempts_skips_the_batch_and_sends_its_failure_record(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=2, MaxRetryAttempts=2, OnFailure="queue")
    sequences = put(arn, [{"n": 0, "fail": True}, {"n": 1}, {"n": 2}])

    cloud.drain()

    assert numbers(stack.outputs["Consumer"]) == [[0, 1]] * 3 + [[2]]  # 1 attempt + 2 retries, then on
    (record,) = failure_records(cloud, stack.outputs["FailureQueueUrl"])
    shard = cloud.client("kinesis").list_shards(StreamARN=arn)["Shards"][0]["ShardId"]
    function_arn = cloud.client("lambda").get_function(FunctionName=stack.outputs["Consumer"])["Configuration"]["FunctionArn"]
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["functionArn"] == function_arn
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    info = record["KinesisBatchInfo"]
    assert info["shardId"] == shard and info["streamArn"] == arn and info["batchSize"] == 2
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (sequences[0], sequences[1])
    assert set(info) == {"shardId", "startSequenceNumber", "endSequenceNumber", "approximateArrivalOfFirstRecord",
                         "approximateArrivalOfLastRecord", "batchSize", "streamArn"}
    assert "data" not in str(record)  # metadata only


def test_failure_record_can_go_to_an_sns_topic(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, MaxRetryAttempts=0, OnFailure="topic")
    put(arn, [{"n": 0, "fail": True}])

    cloud.drain()

    (record,) = failure_records(cloud, stack.outputs["FailureQueueUrl"])  # the topic's subscribed queue
    assert record["KinesisBatchInfo"]["batchSize"] == 1
    assert record["requestContext"]["approximateInvokeCount"] == 1


def test_bisect_isolates_the_bad_record_and_splits_are_not_retries(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=8, Bisect="true", MaxRetryAttempts=0, OnFailure="queue")
    sequences = put(arn, [{"n": i, **({"fail": True} if i == 5 else {})} for i in range(8)])

    cloud.drain()

    batches = numbers(stack.outputs["Consumer"])
    assert batches == [list(range(8)), [0, 1, 2, 3], [4, 5, 6, 7], [4, 5], [4], [5], [6, 7]]
    (record,) = failure_records(cloud, stack.outputs["FailureQueueUrl"])
    info = record["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (sequences[5], sequences[5], 1)
    delivered = [n for batch in batches for n in batch]
    assert all(n in delivered for n in range(8))


def test_report_batch_item_failures_checkpoints_before_the_lowest_reported_record(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=5, Mode="report")
    put(arn, [{"n": 0}, {"n": 1}, {"n": 2, "fail_times": 1}, {"n": 3, "fail_times": 1}, {"n": 4}])

    tick()
    tick(1)

    assert numbers(stack.outputs["Consumer"]) == [[0, 1, 2, 3, 4], [2, 3, 4]]  # retried from the lowest failure
    assert cloud.plane.in_flight() == 0


def test_a_malformed_batch_item_failures_answer_fails_the_whole_batch(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=3, Mode="report")
    put(arn, [{"n": 0}, {"n": 1, "malformed": True}, {"n": 2}])

    tick()
    tick(1)

    assert numbers(stack.outputs["Consumer"]) == [[0, 1, 2], [0, 1, 2]]


def test_report_with_bisect_splits_at_the_reported_record(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=6, Mode="report", Bisect="true", MaxRetryAttempts=0, OnFailure="queue")
    sequences = put(arn, [{"n": i, **({"fail": True} if i == 3 else {})} for i in range(6)])

    cloud.drain()

    batches = numbers(stack.outputs["Consumer"])
    assert batches[:2] == [[0, 1, 2, 3, 4, 5], [3, 4, 5]]
    (record,) = failure_records(cloud, stack.outputs["FailureQueueUrl"])
    assert record["KinesisBatchInfo"]["startSequenceNumber"] == sequences[3]
    assert record["KinesisBatchInfo"]["batchSize"] == 1
    assert {n for batch in batches for n in batch} == set(range(6))
    assert batches[-1][-1] == 5


def test_maximum_record_age_skips_records_too_old_to_deliver(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, BatchSize=2, MaxRecordAge=60, OnFailure="queue")
    put(arn, [{"n": 0, "fail": True}, {"n": 1}])
    tick()
    for _ in range(8):
        tick(10)  # retries keep failing; the records pass 60 s of age
    put(arn, [{"n": 2}])

    cloud.drain()

    (record,) = failure_records(cloud, stack.outputs["FailureQueueUrl"])
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert record["KinesisBatchInfo"]["batchSize"] == 2
    assert numbers(stack.outputs["Consumer"])[-1] == [2]


def test_with_default_settings_a_bad_record_holds_its_shard_until_the_record_expires(cloud, stream, put, consumer, tick):
    arn = stream()
    stack = consumer(arn, OnFailure="queue")  # MaximumRetryAttempts -1, MaximumRecordAgeInSeconds -1
    put(arn, [{"n": 0, "fail": True}])
    tick()
    cloud.plane.clock.advance(23 * 3600)
    tick()
    assert failure_records(cloud, stack.outputs["FailureQueueUrl"]) == []
    assert cloud.plane.in_flight() == 1

    cloud.plane.clock.advance(3601)  # past the stream's 24 h retention
    tick()

    (record,) = failure_records(cloud, stack.outputs["FailureQueueUrl"])
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert cloud.plane.in_flight() == 0


@pytest.mark.parametrize("settings, problem", [
    ({"StartingPosition": "SOMEWHERE"}, "StartingPosition"),
    ({"MaxRecordAge": 30}, "MaximumRecordAgeInSeconds"),
    ({"Parallelization": 11}, "ParallelizationFactor"),
])
def test_settings_lambda_refuses_fail_the_deploy_naming_the_mapping(cloud, stream, consumer, settings, problem):
    from infra.exceptions import DeployError

    with pytest.raises(DeployError) as failed:
        consumer(stream(), **settings)

    assert failed.value.logical_id == "ConsumerMapping"
    assert problem in str(failed.value)
