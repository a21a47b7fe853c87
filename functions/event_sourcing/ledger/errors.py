"""Typed errors of the ledger."""

from __future__ import annotations


class LedgerError(Exception):
    """Base class of the ledger's errors."""


class PoisonCommand(LedgerError):
    """A record that is not a valid command: retrying cannot help; the platform isolates it."""


class ConcurrencyConflict(LedgerError):
    """Another writer appended the version this append meant to write, again and again."""


class ProjectionGap(LedgerError):
    """An event arrived before its predecessor reached the read model: retried until it has."""
