"""Expanded SAM templates kept on disk, so an unchanged template is not translated again.

The key is a SHA-256 of everything the translator's output depends on: the packaged template
(whose ``CodeUri`` values name the code zips by their own SHA-256, so a code change is a new
key), the parameter values (pseudo parameters included), the region, the managed policy names
the translator is given, and the installed aws-sam-translator's version. An entry is one JSON
file named by its key; it is written to a temporary file and renamed, so a reader never sees half
of one, and concurrent runs writing the same key write the same bytes. A file that cannot be
read back as a template is ignored (and translated again); a folder that cannot be written to
only costs the translation. The newest ``MAX_ENTRIES`` files are kept.

``TOOLKIT_CACHE_DIR`` moves the cache (the default is ``.toolkit/`` in the project folder);
``TOOLKIT_CACHE_DIR=off`` turns it off. Deleting the folder is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

FORMAT = 1  # bump when what a cached entry holds changes
MAX_ENTRIES = 256
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def translator_version() -> str:
    """The installed aws-sam-translator's version, without importing the translator (≈1 s)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aws-sam-translator")
    except PackageNotFoundError:  # not installed as a distribution: its package says
        import samtranslator

        return str(samtranslator.__version__)


class TransformCache:
    """Expanded templates under ``folder`` (``None``: keeps nothing)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def key(self, **inputs: Any) -> str:
        material = json.dumps({"format": FORMAT, "translator": translator_version(), **inputs},
                              sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(material.encode()).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        if self.folder is None:
            return None
        try:
            found = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):  # absent, unreadable, or cut short
            return None
        return found if isinstance(found, dict) and isinstance(found.get("Resources"), dict) else None

    def put(self, key: str, expanded: dict[str, Any]) -> None:
        if self.folder is None:
            return
        try:
            text = json.dumps(expanded, sort_keys=True)
        except (TypeError, ValueError):  # not plain JSON: not kept
            return
        temporary: str | None = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{key[:16]}-", suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, self.folder / f"{key}.json")
            temporary = None
            self._prune()
        except OSError:
            pass  # a read-only project folder only costs the translation
        finally:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)

    def _prune(self) -> None:
        assert self.folder is not None
        entries = [(_mtime(path), path) for path in self.folder.glob("*.json")]
        for _, old in sorted(entries)[: max(0, len(entries) - MAX_ENTRIES)]:
            old.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile
        return 0.0


def default_cache() -> TransformCache:
    """``$TOOLKIT_CACHE_DIR/sam-transform`` (default ``<project>/.toolkit``; ``off``: no cache)."""
    configured = os.environ.get("TOOLKIT_CACHE_DIR", "")
    if configured.strip().lower() == "off":
        return TransformCache(None)
    base = Path(configured) if configured else PROJECT_ROOT / ".toolkit"
    return TransformCache(base / "sam-transform")
