"""Input key validation and output / failure-record key derivation.

For input key ``photos/my cat é.png``:
  thumbnail   -> ``thumbnails/photos/my cat é.png``   (extension follows the output format)
  png-to-jpeg -> ``jpeg/photos/my cat é.jpg``
  zip         -> ``zip/photos/my cat é.png.zip``
  failures    -> ``failed/<conversion>/photos/my cat é.png.json``
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

from fileconv.errors import NotAFile, OutputKeyTooLong, UnsafeKey

MAX_KEY_BYTES = 1024  # S3's limit on a key's UTF-8 length
FAILED_PREFIX = "failed"

# Canonical extension first; an input already using any of them keeps its name.
FORMAT_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "PNG": (".png",),
    "JPEG": (".jpg", ".jpeg", ".jpe"),
}

_SEGMENT_SEPARATORS = re.compile(r"[/\\]")


def check_input_key(key: str) -> None:
    """Reject keys that could escape a directory if ever used as a path."""
    if not key:
        raise UnsafeKey("unsafe key: empty key")
    if key.startswith("/"):
        raise UnsafeKey("unsafe key: starts with '/'")
    if ".." in _SEGMENT_SEPARATORS.split(key):
        raise UnsafeKey("unsafe key: contains a '..' path segment")
    if key.endswith("/"):
        raise NotAFile("not a file: key ends with '/' (folder placeholder)")


def base_name(key: str) -> str:
    """Last path segment of the key (both '/' and '\\' count as separators)."""
    return _SEGMENT_SEPARATORS.split(key)[-1]


def with_extension(key: str, image_format: str) -> str:
    """The key, its extension made to follow ``image_format`` (kept if already matching)."""
    extensions = FORMAT_EXTENSIONS[image_format]
    path = PurePosixPath(key)
    suffix = path.suffix
    if suffix.lower() in extensions:
        return key
    stem = key[: len(key) - len(suffix)] if suffix else key
    return stem + extensions[0]


def output_key(prefix: str, relative_key: str) -> str:
    key = f"{prefix}/{relative_key}"
    if _too_long(key):
        raise OutputKeyTooLong(f"output key too long: {len(key.encode())} bytes exceeds S3's {MAX_KEY_BYTES}")
    return key


def failure_record_key(conversion_name: str, key: str, *, unsafe: bool) -> str:
    """``failed/<conversion>/<key>.json``; hashed name for unsafe or over-long keys."""
    folder = f"{FAILED_PREFIX}/{conversion_name}"
    if not unsafe:
        candidate = f"{folder}/{key}.json"
        if not _too_long(candidate):
            return candidate
    label = "unsafe-key" if unsafe else "long-key"
    return f"{folder}/{label}-{hashlib.sha256(key.encode('utf-8')).hexdigest()}.json"


def _too_long(key: str) -> bool:
    return len(key.encode("utf-8")) > MAX_KEY_BYTES
