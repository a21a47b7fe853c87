"""Errors of local IAM enforcement."""

from __future__ import annotations

from infra.exceptions import ToolkitError


class IamError(ToolkitError):
    """Base class of the IAM package's errors."""


class PolicyDocumentError(IamError):
    """A policy document the evaluator cannot read."""


class UnsupportedConditionError(IamError):
    """A Condition operator the local evaluator does not implement: such a statement fails closed
    (no Allow from it) rather than being guessed at."""

    def __init__(self, operator: str) -> None:
        super().__init__(f"the condition operator '{operator}' is not supported by local IAM enforcement "
                         f"(set TOOLKIT_IAM=off to run without it)")
        self.operator = operator


class DeliveryNotAuthorizedError(IamError):
    """A service-to-service delivery that the destination's resource policy does not allow."""
