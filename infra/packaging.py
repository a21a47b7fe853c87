"""Packages Lambda code from functions/ into zips, as ``sam build`` would (code only: the
dependencies come from requirements.txt in the export, or from the toolkit's environment when
run in-process)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

_SKIP_DIRS = {"__pycache__", ".pytest_cache"}


def zip_folder(folder: Path) -> bytes:
    """A deterministic zip of a code folder (sorted entries, fixed timestamps)."""
    if not folder.is_dir():
        raise FileNotFoundError(f"code folder {folder} does not exist")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_dir() or _SKIP_DIRS.intersection(path.relative_to(folder).parts) or path.suffix == ".pyc":
                continue
            info = zipfile.ZipInfo(str(path.relative_to(folder)), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
