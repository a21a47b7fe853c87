"""Object ids: 64 lowercase hex characters, like Durable Objects' ids.

The first 56 characters identify the object (a SHA-256 of the name for ``id_from_name``, random
for ``new_unique_id``); the last 8 are a checksum over the namespace and those 56, so a typo, a
truncated id or an id of another namespace is rejected by ``id_from_string`` with a clear error.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from durable_objects.errors import InvalidIdError

_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ObjectId:
    namespace: str
    hex: str
    name: str | None = None  # set when made by id_from_name

    def __str__(self) -> str:
        return self.hex

    def equals(self, other: "ObjectId") -> bool:
        return self.namespace == other.namespace and self.hex == other.hex


def _checksum(namespace: str, body: str) -> str:
    return hashlib.sha256(f"{namespace}\0{body}".encode()).hexdigest()[:8]


def id_from_name(namespace: str, name: str) -> ObjectId:
    if not isinstance(name, str) or not name:
        raise InvalidIdError(f"an object name must be a non-empty string, not {name!r}")
    body = hashlib.sha256(f"{namespace}\0name\0{name}".encode()).hexdigest()[:56]
    return ObjectId(namespace, body + _checksum(namespace, body), name)


def new_unique_id(namespace: str) -> ObjectId:
    body = secrets.token_hex(28)
    return ObjectId(namespace, body + _checksum(namespace, body))


def id_from_string(namespace: str, text: str) -> ObjectId:
    if not isinstance(text, str) or not _HEX64.fullmatch(text):
        raise InvalidIdError(f"{str(text)[:80]!r} is not an object id: expected 64 lowercase hex characters")
    body, check = text[:56], text[56:]
    if _checksum(namespace, body) != check:
        raise InvalidIdError(f"{text} is not an id of namespace {namespace!r} (checksum mismatch)")
    return ObjectId(namespace, text)
