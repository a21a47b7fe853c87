"""Deploying an existing stack name to LocalStack updates it through its CloudFormation."""

from __future__ import annotations

import uuid

from infra.cloud import Cloud

TEMPLATE = """
Parameters:
  Visibility: {Type: Number, Default: 30}
Resources:
  Steady: {Type: AWS::SQS::Queue}
  Tuned:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: !Ref Visibility}
"""


def test_a_second_deploy_updates_the_stack_instead_of_failing(endpoint, tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE)
    name = f"update-{uuid.uuid4().hex[:8]}"
    with Cloud.remote("localstack", endpoint) as cloud:
        first = cloud.deploy("fixture", template=template, stack_name=name)
        try:
            again = cloud.deploy("fixture", template=template, stack_name=name)  # nothing to update
            second = cloud.deploy("fixture", template=template, stack_name=name, parameters={"Visibility": "90"})
            steady = {r.logical_id: r.physical_id for r in second.resources}["Steady"]
            status = cloud.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
            tuned = {r.logical_id: r.physical_id for r in second.resources}["Tuned"]
            visibility = cloud.client("sqs").get_queue_attributes(
                QueueUrl=tuned, AttributeNames=["VisibilityTimeout"])["Attributes"]["VisibilityTimeout"]
        finally:
            cloud.destroy(name)

    assert [r.physical_id for r in again.resources] == [r.physical_id for r in first.resources]
    assert steady == {r.logical_id: r.physical_id for r in first.resources}["Steady"]
    assert status == "UPDATE_COMPLETE" and visibility == "90"
