"""Single-file ZIP archives."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # earliest timestamp a ZIP entry can hold


def single_file_zip(name: str, data: bytes, modified: datetime | None = None) -> bytes:
    """A ZIP_DEFLATED archive holding ``data`` as ``name`` (entry dated ``modified``)."""
    info = zipfile.ZipInfo(name, date_time=_zip_time(modified))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # rw-r--r-- when extracted on Unix
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(info, data)
    return buffer.getvalue()


def _zip_time(modified: datetime | None) -> tuple[int, int, int, int, int, int]:
    moment = (modified or datetime.now(timezone.utc)).astimezone(timezone.utc)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return max(stamp, _ZIP_EPOCH)
