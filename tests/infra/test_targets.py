"""Targets answer what they run and where their APIs are; the runtime is built from those answers."""

from __future__ import annotations

import pytest

from infra.compute.clock import VirtualClock
from infra.exceptions import ToolkitError
from infra.runtime import build_runtime
from infra.targets import AwsTarget, EmbeddedTarget, LocalStackTarget, LocalTarget, resolve


def test_each_name_resolves_to_its_target_with_its_default_endpoint():
    assert resolve("embedded", "http://ignored:1") == EmbeddedTarget(None, resolve("embedded").region)
    assert isinstance(resolve("local"), LocalTarget) and resolve("local").endpoint_url == "http://localhost:4566"
    assert resolve("localstack", "http://127.0.0.1:4999").endpoint_url == "http://127.0.0.1:4999"
    assert isinstance(resolve("aws", region="eu-west-1"), AwsTarget) and resolve("aws").endpoint_url is None


def test_an_unknown_target_is_a_toolkit_error_naming_the_choices():
    with pytest.raises(ToolkitError, match="unknown target 'mars': choose one of embedded, local, localstack, aws"):
        resolve("mars")


def test_api_and_websocket_urls_take_each_targets_form():
    aws = AwsTarget(None, "eu-west-1")
    assert aws.api_url("abc123", "prod") == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    assert aws.websocket_url("abc123", "live") == "wss://abc123.execute-api.eu-west-1.amazonaws.com/live"
    localstack = LocalStackTarget("http://127.0.0.1:4566", "us-east-1")
    assert localstack.api_url("abc123", "prod") == "http://127.0.0.1:4566/restapis/abc123/prod/_user_request_"
    with pytest.raises(ToolkitError, match="does not serve WebSocket APIs"):
        localstack.websocket_url("abc123", "live")


def test_only_moto_targets_deploy_resource_by_resource_and_only_aws_uses_real_credentials():
    assert [t.deploys_by_api for t in (EmbeddedTarget, LocalTarget, LocalStackTarget, AwsTarget)] == [
        True, True, False, False]
    assert "AWS_ACCESS_KEY_ID" not in AwsTarget(None, "us-east-1").handler_environment()
    assert LocalTarget("http://127.0.0.1:1", "us-east-1").handler_environment()["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"


def test_the_local_target_runs_a_plane_only_in_the_process_hosting_it():
    local = LocalTarget("http://127.0.0.1:1", "us-east-1")
    assert not local.plane_in_this_process() and local.plane_in_this_process(hosting=True)
    assert build_runtime(local).plane is None  # a client of 'up' runs nothing itself
    assert not AwsTarget(None, "us-east-1").plane_in_this_process(hosting=True)


def test_an_embedded_runtime_serves_both_front_doors_and_aws_none(cloud):
    assert cloud.runtime.serves("http") and cloud.runtime.serves("websocket")
    assert isinstance(cloud.clock, VirtualClock)
    empty = build_runtime(AwsTarget(None, "us-east-1"))
    with pytest.raises(ToolkitError, match="the aws target serves its APIs itself"):
        empty.http
    assert empty.api_url("abc123", "prod").startswith("https://abc123.execute-api.")
    assert empty.invocations() == []
