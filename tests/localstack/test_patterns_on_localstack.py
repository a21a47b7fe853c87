"""Every pattern deployed to a real LocalStack and driven by its workload end to end, with the
same outcome as on the embedded target.

Needs a LocalStack endpoint, found the way localstack-client finds it (AWS_ENDPOINT_URL, else
LOCALSTACK_HOST, default localhost:4566): ``python -m infra.localstack start`` runs one on
this machine (CI does). Without one, these tests are skipped with the reason.
"""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

import samplecli
from infra import registry
from infra.cloud import Cloud
from infra.exceptions import DeployError, ToolkitError
from infra.template import load

PATTERNS = [pattern.name for pattern in registry.all_patterns()]
S3_TEST_EVENT = {"Records": [{  # the message S3 sends when a notification is configured
    "messageId": str(uuid.uuid4()), "receiptHandle": "handle", "body": json.dumps({"Event": "s3:TestEvent"}),
    "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0", "SenderId": "s3",
                   "ApproximateFirstReceiveTimestamp": "0"},
    "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
    "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:queue", "awsRegion": "us-east-1"}]}


# waits that are real time on LocalStack, shortened there (and embedded, so the outcomes compare)
PARAMETERS = {"order-workflow": {"FulfilmentWaitSeconds": "2"}}
# known to fail on LocalStack, with what was seen: fix, then remove
KNOWN_BROKEN: dict[str, str] = {}


def run_pattern(cloud: Cloud, pattern: str) -> tuple[dict[str, Any], Any]:
    stack = cloud.deploy(pattern, PARAMETERS.get(pattern), stack_name=f"{pattern}-{uuid.uuid4().hex[:6]}")
    try:
        return registry.get(pattern).workload().run(cloud, stack), stack
    finally:
        cloud.destroy(stack.name)


def wait_for_log_events(logs: Any, group: str, seconds: float = 10.0) -> list[dict[str, Any]]:
    """LocalStack writes invocation logs from a background thread: poll until they are there."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        if events or time.monotonic() > deadline:
            return events
        threading.Event().wait(0.2)


# resource types community LocalStack may lack (paid features): type prefix -> (service, a call to ask it, what)
PAID_FEATURES = {"AWS::ApiGatewayV2::": ("apigatewayv2", "get_apis", "API Gateway v2 WebSocket APIs"),
                 "AWS::CloudFront::": ("cloudfront", "list_distributions", "CloudFront distributions")}


def uses(pattern: str, type_prefix: str) -> bool:
    resources = load(registry.get(pattern).template)["Resources"].values()
    return any(str(r.get("Type", "")).startswith(type_prefix) for r in resources)


def skip_without_paid_features(endpoint: str, pattern: str) -> None:
    """Community LocalStack has no API Gateway v2 or CloudFront: ask it, skip with its answer."""
    for type_prefix, (service, call, what) in PAID_FEATURES.items():
        if not uses(pattern, type_prefix):
            continue
        client = Cloud.remote("localstack", endpoint).client(service)
        try:
            getattr(client, call)()
        except ClientError as exc:
            pytest.skip(f"{pattern} needs {what}, which this LocalStack lacks: "
                        f"{exc.response['Error'].get('Message', exc)}")


@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern_on_localstack_has_the_outcome_it_has_embedded(endpoint, pattern):
    if pattern in KNOWN_BROKEN:
        pytest.skip(KNOWN_BROKEN[pattern])
    skip_without_paid_features(endpoint, pattern)
    workload = registry.get(pattern).workload()
    if getattr(workload, "NEEDS_VIRTUAL_CLOCK", False):
        pytest.skip(f"{pattern}'s workload simulates a day on the embedded target's virtual clock; "
                    f"tests/localstack/test_{registry.get(pattern).folder.name}_on_localstack.py checks it here")
    with Cloud.embedded() as cloud:
        embedded, _ = run_pattern(cloud, pattern)

    with Cloud.remote("localstack", endpoint, run_functions=True) as cloud:
        on_localstack, _ = run_pattern(cloud, pattern)
        handled_here = len(cloud.plane.executor.invocations) if cloud.plane is not None else None

    assert workload.outcome(on_localstack) == workload.outcome(embedded)
    if handled_here is not None:  # LocalStack without Docker: its executor handed the invocations here
        assert handled_here > 0


def test_destroy_on_localstack_removes_the_stack_and_its_functions(endpoint):
    with Cloud.remote("localstack", endpoint, run_functions=True) as cloud:
        stack = cloud.deploy("file-conversion", stack_name=f"destroy-{uuid.uuid4().hex[:6]}")
        functions = [r.physical_id for r in stack.resources if r.type == "AWS::Lambda::Function"]
        cloud.destroy(stack.name)

        names = {f["FunctionName"] for f in cloud.client("lambda").list_functions()["Functions"]}
        stacks = cloud.client("cloudformation").describe_stacks()["Stacks"]
    assert functions and not set(functions) & names
    assert stack.name not in {s["StackName"] for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"}


def test_handler_logs_reach_localstack_cloudwatch(endpoint):
    with Cloud.remote("localstack", endpoint, run_functions=True) as cloud:
        if cloud.plane is None:
            pytest.skip("this LocalStack runs Lambda code itself (Docker): nothing is handed to the toolkit")
        stack = cloud.deploy("file-conversion", stack_name=f"logs-{uuid.uuid4().hex[:6]}")
        try:
            zip_function = stack.resource("ZipFunction").physical_id
            result = cloud.client("lambda").invoke(FunctionName=zip_function, Payload=json.dumps(S3_TEST_EVENT))
            events = wait_for_log_events(cloud.client("logs"), f"/aws/lambda/{zip_function}")
        finally:
            cloud.destroy(stack.name)
    assert "FunctionError" not in result, result["Payload"].read()
    messages = [e["message"] for e in events]
    assert any("s3:TestEvent acknowledged and ignored" in m for m in messages), messages


def test_invocation_without_an_attached_compute_plane_fails_with_the_reason(endpoint):
    with Cloud.remote("localstack", endpoint) as cloud:  # deploys only: no plane attached
        if cloud.functions_run_by == "target":
            pytest.skip("this LocalStack runs Lambda code itself (Docker)")
        stack = cloud.deploy("file-conversion", stack_name=f"detached-{uuid.uuid4().hex[:6]}")
        try:
            result = cloud.client("lambda").invoke(FunctionName=stack.resource("ZipFunction").physical_id,
                                                   Payload=b"{}")
            error = json.loads(result["Payload"].read())
        finally:
            cloud.destroy(stack.name)
    assert result["FunctionError"] == "Unhandled"
    assert error["errorType"] == "ToolkitComputePlaneUnavailable"
    assert "samplecli.py run" in error["errorMessage"]


def test_cli_run_on_localstack_says_who_runs_the_functions(endpoint):
    out = io.StringIO()

    code = samplecli.main(["run", "file-conversion", "--target", "localstack", "--endpoint-url", endpoint], out=out)

    text = out.getvalue()
    assert code == 0, text
    assert "hands each invocation to the toolkit's executor" in text or "runs the functions itself" in text
    assert "8 uploads -> 11 outputs, 13 failure records" in text
    assert "cleaned up the localstack target" in text


def test_a_template_error_on_localstack_names_the_resource(endpoint, tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
                        "  Broken:\n    Type: AWS::Lambda::Function\n    Properties:\n"
                        "      Runtime: python3.12\n      Handler: app.handler\n"
                        "      Role: arn:aws:iam::000000000000:role/none\n"
                        "      Code: {S3Bucket: no-such-bucket-for-this-test, S3Key: missing.zip}\n")
    with Cloud.remote("localstack", endpoint) as cloud:
        with pytest.raises(ToolkitError) as failure:
            cloud.deploy("file-conversion", template=template, stack_name=f"broken-{uuid.uuid4().hex[:6]}")
    assert "Broken" in str(failure.value)


def test_resources_localstack_only_pretends_to_create_fail_the_deploy_and_leave_no_stack(endpoint):
    """LocalStack's CloudFormation reports resource types it lacks (here API Gateway v2) as
    CREATE_COMPLETE and creates nothing; the toolkit refuses such a half-built stack."""
    name = f"half-{uuid.uuid4().hex[:6]}"
    with Cloud.remote("localstack", endpoint) as cloud:
        with pytest.raises(DeployError) as failure:
            cloud.deploy("durable-chat", stack_name=name)
        stacks = cloud.client("cloudformation").describe_stacks()["Stacks"]

    assert "does not implement AWS::ApiGatewayV2::" in str(failure.value)
    assert "ChatSocket" in str(failure.value)
    assert name not in {s["StackName"] for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"}


def test_ledger_replay_command_rebuilds_a_deployed_stacks_read_model_from_the_stream_and_the_store(endpoint):
    from patterns.api_client import api_url, call
    from patterns.event_sourcing import replay

    with Cloud.remote("localstack", endpoint, run_functions=True) as cloud:
        stack = cloud.deploy("event-sourcing-kinesis", stack_name=f"replay-{uuid.uuid4().hex[:6]}")
        try:
            url = api_url(cloud, stack)
            for n, kind in enumerate(("deposit", "deposit", "withdraw")):
                call("POST", f"{url}/accounts/ledger-1/transactions", {"transactionId": f"r{n}", "type": kind,
                                                                       "amount": 300})
            deadline = time.monotonic() + 120
            while call("GET", f"{url}/accounts/ledger-1").body.get("version") != 3 and time.monotonic() < deadline:
                threading.Event().wait(0.5)
            outputs = {}
            for source in ("store", "stream"):
                out = io.StringIO()
                code = replay.main(["event-sourcing-kinesis", "--target", "localstack", "--endpoint-url", endpoint,
                                    "--stack", stack.name, "--from", source], out=out)
                outputs[source] = (code, out.getvalue())
        finally:
            cloud.destroy(stack.name)

    assert outputs["store"][0] == 0 and "replayed 3 events from the event store" in outputs["store"][1]
    assert outputs["stream"][0] == 0 and "replayed 3 records from the stream" in outputs["stream"][1]
    assert "equal to the live read model: yes" in outputs["stream"][1]
