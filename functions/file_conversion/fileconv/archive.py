"""Single-file ZIP archives."""

from __future__ import annotations

import io
import zipfile
import zlib
from datetime import datetime, timezone

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # earliest timestamp a ZIP entry can hold
_PROBE_BYTES = 64 * 1024  # how much of the file is test-compressed
_WORTH_DEFLATING = 0.95  # deflate only when the probe shrinks to under 95 %


def single_file_zip(name: str, data: bytes, modified: datetime | None = None) -> bytes:
    """A ZIP archive holding ``data`` as ``name`` (entry dated ``modified``): deflated when that
    pays, stored as-is when the data is already compressed (PNG, JPEG, ZIP...)."""
    info = zipfile.ZipInfo(name, date_time=_zip_time(modified))
    info.compress_type = zipfile.ZIP_DEFLATED if worth_deflating(data) else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16  # rw-r--r-- when extracted on Unix
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, data)
    return buffer.getvalue()


def worth_deflating(data: bytes) -> bool:
    """Whether deflating shrinks a sample of ``data`` enough to spend the time on all of it."""
    probe = data[:_PROBE_BYTES]
    return bool(probe) and len(zlib.compress(probe, 6)) < _WORTH_DEFLATING * len(probe)


def _zip_time(modified: datetime | None) -> tuple[int, int, int, int, int, int]:
    moment = (modified or datetime.now(timezone.utc)).astimezone(timezone.utc)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return max(stamp, _ZIP_EPOCH)
