"""The small value types shared by the runner and the handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fileconv.config import Settings


@dataclass(frozen=True)
class ObjectRef:
    """One object named by an S3 event record (key already URL-decoded)."""

    bucket: str
    key: str
    size: int | None = None
    event_name: str = "ObjectCreated:Put"


@dataclass(frozen=True)
class SourceObject:
    """The downloaded input."""

    bucket: str
    key: str
    data: bytes
    last_modified: datetime | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class ConvertedFile:
    """A conversion result; ``relative_key`` is prefixed by the conversion's output prefix."""

    body: bytes
    content_type: str
    relative_key: str


Converter = Callable[[SourceObject, Settings], ConvertedFile]


@dataclass(frozen=True)
class Conversion:
    """What a handler declares: its name (used in failure records), output prefix and converter."""

    name: str
    output_prefix: str
    convert: Converter
