"""Fixtures every test folder may use: the toolkit's own pytest plugin (infra/testing/plugin.py),
``cloud`` (embedded, virtual clock), ``events`` (event factories) and ``eventually``."""

from __future__ import annotations

from infra.testing.plugin import cloud, events, eventually  # noqa: F401 - fixtures for every test
