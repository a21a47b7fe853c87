"""The event source family: kinds picked by the service in the mapping's ARN, a mapping no kind
runs (or a setting none runs) fails the deploy with its logical id and leaves nothing behind."""

from __future__ import annotations

import pytest

from infra.compute.sources import kind_for, kinds
from infra.exceptions import DeployError


def test_each_service_has_its_source_module():
    assert set(kinds()) == {"sqs", "kinesis", "dynamodb"}
    assert kind_for("arn:aws:kinesis:us-east-1:123456789012:stream/s").__name__ == "infra.compute.sources.kinesis"
    assert kind_for("arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026").SERVICE == "dynamodb"
    assert kind_for("arn:aws:kafka:us-east-1:123456789012:cluster/c/abc") is None


def test_a_mapping_whose_source_the_plane_does_not_run_fails_the_deploy_naming_it(cloud, deploy):
    with pytest.raises(DeployError) as failed:
        deploy("unsupported_event_source", SourceArn="arn:aws:kafka:us-east-1:123456789012:cluster/orders/abc-1")

    assert failed.value.logical_id == "WorkerMapping"
    assert "kafka" in str(failed.value)
    assert cloud.client("lambda").list_functions()["Functions"] == []  # the function was rolled back


def test_event_filtering_is_refused_rather_than_ignored(cloud, deploy):
    queue = cloud.client("sqs").create_queue(QueueName="filtered")["QueueUrl"]
    arn = cloud.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    with pytest.raises(DeployError) as failed:
        deploy("unsupported_event_source", SourceArn=arn, Filtered="true")

    assert failed.value.logical_id == "WorkerMapping"
    assert "FilterCriteria" in str(failed.value)


def test_stream_settings_on_an_sqs_mapping_fail_the_deploy(cloud, deploy):
    queue = cloud.client("sqs").create_queue(QueueName="plain")["QueueUrl"]
    arn = cloud.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    with pytest.raises(DeployError) as failed:
        deploy("unsupported_event_source", SourceArn=arn)  # the template sets StartingPosition

    assert failed.value.logical_id == "WorkerMapping"
    assert "StartingPosition" in str(failed.value)


def test_a_deleted_mapping_stops_its_source(cloud, stream, consumer):
    stack = consumer(stream())
    assert list(cloud.plane.sources.mappings) == [stack.outputs["MappingId"]]

    cloud.destroy(stack.name)

    assert cloud.plane.sources.mappings == {}


def test_a_disabled_mapping_resumes_from_its_checkpoint_when_enabled_again(cloud, stream, put, consumer, tick):
    from stream_records import numbers

    arn = stream()
    stack = consumer(arn)
    lam = cloud.client("lambda")
    put(arn, [{"n": 0}])
    tick()
    lam.update_event_source_mapping(UUID=stack.outputs["MappingId"], Enabled=False)
    cloud.plane.refresh_mappings()
    put(arn, [{"n": 1}])
    tick(5)
    assert numbers(stack.outputs["Consumer"]) == [[0]]

    lam.update_event_source_mapping(UUID=stack.outputs["MappingId"], Enabled=True)
    cloud.plane.refresh_mappings()
    tick(1)

    assert numbers(stack.outputs["Consumer"]) == [[0], [1]]  # not [0] again from TRIM_HORIZON


def test_a_function_that_cannot_be_invoked_stops_nothing_and_loses_no_records(cloud, stream, put, consumer, tick,
                                                                              capsys):
    arn = stream()
    stack = consumer(arn)
    put(arn, [{"n": 0}])
    cloud.client("lambda").delete_function(FunctionName=stack.outputs["Consumer"])

    tick()
    tick(5)

    out = capsys.readouterr().out
    assert out.count(f"event source {stack.outputs['MappingId']}") == 1  # reported once, not per poll
    assert cloud.plane.in_flight() == 1  # the record waits, not checkpointed, until it expires


def test_updated_settings_take_effect_from_where_the_source_stands(cloud, stream, put, consumer, tick):
    from stream_records import numbers

    arn = stream()
    stack = consumer(arn, BatchSize=2)
    put(arn, [{"n": i} for i in range(2)])
    tick()

    cloud.client("lambda").update_event_source_mapping(UUID=stack.outputs["MappingId"], BatchSize=5)
    cloud.plane.refresh_mappings()
    put(arn, [{"n": i} for i in range(2, 9)])
    tick(1)

    assert numbers(stack.outputs["Consumer"]) == [[0, 1], [2, 3, 4, 5, 6], [7, 8]]
