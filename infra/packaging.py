"""Packages Lambda code from functions/ into zips, as ``sam build`` would (code only: the
dependencies come from requirements.txt in the export, or from the toolkit's environment when
run in-process).

A code folder that uses a handler-side library of the project lists it in ``shared.txt`` (one
package folder a line, relative to the code folder, e.g. ``../shared/durable_objects``): the
package is copied into the zip's root next to the handlers, so the zip is self-contained and
deploys unchanged to AWS (``samplecli.py export`` writes the same zips).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from infra.exceptions import TemplateError

_SKIP_DIRS = {"__pycache__", ".pytest_cache"}
SHARED_LIST = "shared.txt"


def shared_packages(folder: Path) -> dict[str, Path]:
    """Package name -> its folder, for the packages ``shared.txt`` names that the code folder
    does not already hold."""
    listing = folder / SHARED_LIST
    if not listing.is_file():
        return {}
    packages: dict[str, Path] = {}
    for line in listing.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        source = (folder / entry).resolve()
        if (folder / source.name).is_dir():
            continue
        if not (source / "__init__.py").is_file():
            raise TemplateError(f"{listing}: {entry!r} is not a Python package ({source})")
        packages[source.name] = source
    return packages


def _files(folder: Path, prefix: str = "") -> list[tuple[str, Path]]:
    return [(prefix + str(path.relative_to(folder)), path) for path in sorted(folder.rglob("*"))
            if not path.is_dir() and not _SKIP_DIRS.intersection(path.relative_to(folder).parts)
            and path.suffix != ".pyc"]


def zip_folder(folder: Path) -> bytes:
    """A deterministic zip of a code folder and its shared packages (sorted entries, fixed timestamps)."""
    if not folder.is_dir():
        raise FileNotFoundError(f"code folder {folder} does not exist")
    entries = _files(folder)
    for name, source in shared_packages(folder).items():
        entries += _files(source, f"{name}/")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for arcname, path in sorted(entries):
            info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
