"""Small pieces of state machine definitions for the Step Functions tests."""

from __future__ import annotations

from typing import Any


def lambda_task(arn: str, **extra: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": arn, "Payload.$": "$"}, "ResultSelector": {"result.$": "$.Payload"},
            **extra}
