"""The provisioning package's error, under the toolkit's base error."""

from __future__ import annotations

from infra.exceptions import ToolkitError


class LocalStackHostError(ToolkitError):
    """An expected failure installing, starting or stopping LocalStack: one line meant for the user."""
