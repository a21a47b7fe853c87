"""Where the docs go by default (kept apart from the builder so the CLI can name them without
importing it)."""

from __future__ import annotations

from infra.registry import PATTERNS_DIR

ROOT = PATTERNS_DIR.parent
DEFAULT_OUT = ROOT / "docs"
DEFAULT_COMPARE = DEFAULT_OUT / "compare" / "compare.json"
