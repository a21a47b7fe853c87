"""Errors of the CloudFront front door and its deploy-time checks."""

from __future__ import annotations

from infra.exceptions import ToolkitError


class CloudFrontError(ToolkitError):
    """Base class of the CloudFront front door's errors."""


class UnsupportedDistributionConfig(CloudFrontError):
    """A distribution (or policy) property the front door cannot honour; names the property."""

    def __init__(self, prop: str, reason: str) -> None:
        super().__init__(f"{prop}: {reason}")
        self.prop = prop
        self.reason = reason


class UnknownDistribution(CloudFrontError):
    """No distribution of that id is deployed (or it has no record the front door can read)."""
