"""Step Functions tests: state machines created through the API, calling fixture functions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from infra.cloud import Cloud

ROLE = "arn:aws:iam::123456789012:role/states"


@pytest.fixture
def functions(deploy: Callable[..., Any]) -> dict[str, str]:
    """The fixture functions' ARNs: ``Echo`` and ``Flaky``."""
    outputs = deploy("stepfunctions").outputs
    return {"Echo": outputs["EchoFunctionArn"], "Flaky": outputs["FlakyFunctionArn"]}


@pytest.fixture
def machine(cloud: Cloud) -> Callable[..., str]:
    """``machine(definition, type="STANDARD")``: a state machine's ARN."""

    def _machine(definition: dict[str, Any], type: str = "STANDARD") -> str:
        return cloud.client("stepfunctions").create_state_machine(
            name=f"m-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=ROLE, type=type,
        )["stateMachineArn"]

    return _machine


@pytest.fixture
def start(cloud: Cloud) -> Callable[..., str]:
    """``start(machine_arn, input)``: a started execution's ARN."""

    def _start(machine_arn: str, execution_input: dict[str, Any] | None = None) -> str:
        return cloud.client("stepfunctions").start_execution(
            stateMachineArn=machine_arn, name=f"e-{uuid.uuid4().hex[:8]}",
            input=json.dumps(execution_input or {}))["executionArn"]

    return _start


@pytest.fixture
def history(cloud: Cloud) -> Callable[[str], list[dict[str, Any]]]:
    def _history(execution_arn: str) -> list[dict[str, Any]]:
        return cloud.client("stepfunctions").get_execution_history(executionArn=execution_arn)["events"]

    return _history


@pytest.fixture
def described(cloud: Cloud) -> Callable[[str], dict[str, Any]]:
    def _described(execution_arn: str) -> dict[str, Any]:
        return cloud.client("stepfunctions").describe_execution(executionArn=execution_arn)

    return _described


def lambda_task(arn: str, **extra: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": arn, "Payload.$": "$"}, "ResultSelector": {"result.$": "$.Payload"},
            **extra}
