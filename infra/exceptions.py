"""Typed errors of the engine. Every error a user can cause derives from ToolkitError."""

from __future__ import annotations


class ToolkitError(Exception):
    """Base class: the CLI prints these as one line and exits non-zero."""


class TemplateError(ToolkitError):
    """The template cannot be read or translated."""


class DeployError(ToolkitError):
    """A resource could not be realized on the target; names the logical id and the reason."""

    def __init__(self, logical_id: str, reason: str) -> None:
        super().__init__(f"{logical_id}: {reason}")
        self.logical_id = logical_id
        self.reason = reason


class UnknownPatternError(ToolkitError):
    """No pattern folder of that name."""


class EndpointUnreachableError(ToolkitError):
    """The target's endpoint does not answer."""


class FunctionNotFoundError(ToolkitError):
    """An invocation names a function the target does not have."""


class ConnectionGoneError(ToolkitError):
    """A WebSocket connection the management API names is not (or no longer) open."""
