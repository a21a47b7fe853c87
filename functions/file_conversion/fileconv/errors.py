"""Typed errors.

``ConversionRejected`` and its subclasses are *permanent* failures: the input can
never be converted, so the runner writes a failure record and acknowledges the
SQS message. Every other exception is treated as transient and re-raised, so
the batch processor reports the message as a batch item failure (retry, then DLQ).
"""

from __future__ import annotations


class ConversionRejected(Exception):
    """The input can never be converted; ``reason`` is the human-readable why."""

    def __init__(self, reason: str, *, size: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.size = size  # actual object size when known better than the event's


class UnsafeKey(ConversionRejected):
    """Key with a '..' path segment, a leading '/', or otherwise unusable as a path."""


class NotAFile(ConversionRejected):
    """Key ending with '/': a console "folder" placeholder, not a file."""


class OutputKeyTooLong(ConversionRejected):
    """The derived output key would exceed S3's 1024-byte key limit."""


class InputTooLarge(ConversionRejected):
    """Object larger than MAX_INPUT_BYTES."""


class ObjectGone(ConversionRejected):
    """Object deleted between the upload event and the conversion."""


class NotAnImage(ConversionRejected):
    """No supported image format recognised."""


class WrongImageFormat(ConversionRejected):
    """An image, but not of the format this conversion accepts."""


class TruncatedImage(ConversionRejected):
    """Header is fine but the pixel data cannot be fully decoded."""


class DecompressionBomb(ConversionRejected):
    """Declared dimensions exceed MAX_IMAGE_PIXELS (or Pillow's own bomb limit)."""


class ConfigurationError(Exception):
    """Missing or invalid environment configuration (fails the whole invocation)."""


class MalformedMessage(Exception):
    """SQS body that is neither an S3 event nor an SNS envelope around one.

    Not a ``ConversionRejected``: without a parseable event there is no key to
    record a failure under, so the message is left to retry and land in the DLQ
    where it can be inspected.
    """
