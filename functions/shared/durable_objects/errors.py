"""Typed errors of the durable objects library; every one derives from DurableObjectError."""

from __future__ import annotations


class DurableObjectError(Exception):
    """Base class of every error the library raises on purpose."""


class InvalidIdError(DurableObjectError, ValueError):
    """A string that is not an id of this namespace (id_from_string)."""


class UnknownMethodError(DurableObjectError, AttributeError):
    """A stub was asked for a method the object's class does not expose."""


class StorageLimitError(DurableObjectError, ValueError):
    """A key, a value or a request's writes exceed what storage can hold; nothing was written."""


class LeaseLostError(DurableObjectError):
    """The lease on the object expired and another owner took it before this request committed:
    the request's writes were discarded (never half-written) and its result withheld."""


class ObjectBusyError(DurableObjectError):
    """The object's lease could not be acquired within the wait limit (another owner keeps it)."""


class UnserializableValueError(DurableObjectError, TypeError):
    """A value that cannot be stored as JSON."""
