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


def test_a_deleted_mapping_stops_its_source(cloud, stream, consumer):
    stack = consumer(stream())
    assert list(cloud.plane.sources.mappings) == [stack.outputs["MappingId"]]

    cloud.destroy(stack.name)

    assert cloud.plane.sources.mappings == {}
