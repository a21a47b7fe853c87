"""Deploying a stack name that exists updates it, as CloudFormation does: unchanged resources
kept, changed ones replaced, removed ones deleted; a failed update leaves the stack as it was."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from infra.deploy import load_stack
from infra.exceptions import DeployError

TWO_QUEUES = """
Parameters:
  Visibility: {Type: Number, Default: 30}
Resources:
  Steady: {Type: AWS::SQS::Queue}
  Tuned:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: !Ref Visibility}
  Doomed: {Type: AWS::SQS::Queue}
Outputs:
  SteadyUrl: {Value: !Ref Steady}
"""
ONE_QUEUE_LEFT = """
Resources:
  Steady: {Type: AWS::SQS::Queue}
"""
BROKEN_UPDATE = """
Resources:
  Steady: {Type: AWS::SQS::Queue}
  Broken:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: not-a-number}
"""


@pytest.fixture
def write(tmp_path):
    def _write(text: str) -> Path:
        path = tmp_path / f"{uuid.uuid4().hex[:6]}.yaml"
        path.write_text(text)
        return path
    return _write


@pytest.fixture
def stack_name() -> str:
    return f"update-{uuid.uuid4().hex[:8]}"


def ids(stack) -> dict[str, str]:
    return {r.logical_id: r.physical_id for r in stack.resources}


def queues(cloud, stack_name: str) -> list[str]:
    return sorted(cloud.client("sqs").list_queues(QueueNamePrefix=stack_name).get("QueueUrls", []))


def test_deploying_the_same_template_twice_keeps_every_resource(cloud, write, stack_name):
    template = write(TWO_QUEUES)
    first = cloud.deploy("fixture", template=template, stack_name=stack_name)
    second = cloud.deploy("fixture", template=template, stack_name=stack_name)

    assert ids(second) == ids(first)
    assert len(queues(cloud, stack_name)) == 3


def test_a_changed_resource_is_replaced_and_the_others_kept(cloud, write, stack_name):
    template = write(TWO_QUEUES)
    first = cloud.deploy("fixture", template=template, stack_name=stack_name)
    second = cloud.deploy("fixture", template=template, stack_name=stack_name, parameters={"Visibility": "90"})

    assert ids(second)["Steady"] == ids(first)["Steady"] and ids(second)["Doomed"] == ids(first)["Doomed"]
    assert ids(second)["Tuned"] != ids(first)["Tuned"]
    assert queues(cloud, stack_name) == sorted(ids(second).values())
    attributes = cloud.client("sqs").get_queue_attributes(QueueUrl=ids(second)["Tuned"], AttributeNames=["All"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "90"


def test_a_resource_removed_from_the_template_is_deleted_and_destroy_leaves_nothing(cloud, write, stack_name):
    cloud.deploy("fixture", template=write(TWO_QUEUES), stack_name=stack_name)
    second = cloud.deploy("fixture", template=write(ONE_QUEUE_LEFT), stack_name=stack_name)

    assert [r.logical_id for r in load_stack(cloud.target, stack_name).resources] == ["Steady"]
    assert queues(cloud, stack_name) == [ids(second)["Steady"]]
    cloud.destroy(stack_name)
    assert queues(cloud, stack_name) == []


def test_a_failed_update_removes_what_it_created_and_leaves_the_stack_as_it_was(cloud, write, stack_name):
    first = cloud.deploy("fixture", template=write(TWO_QUEUES), stack_name=stack_name)

    with pytest.raises(DeployError, match="Broken"):
        cloud.deploy("fixture", template=write(BROKEN_UPDATE), stack_name=stack_name)

    assert ids(load_stack(cloud.target, stack_name)) == ids(first)
    assert queues(cloud, stack_name) == sorted(ids(first).values())
