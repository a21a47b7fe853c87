"""Typed errors of the docs generator."""

from __future__ import annotations

from infra.exceptions import ToolkitError


class DocsError(ToolkitError):
    """A page cannot be generated: an unreadable template, Graphviz missing, an unwritable folder."""
