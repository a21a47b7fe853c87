"""``python samplecli.py docs [--out docs/] [--html site/]``: what the CLI calls."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from infra import registry
from infra.docs.exceptions import DocsError
from infra.docs.paths import DEFAULT_COMPARE, DEFAULT_OUT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the pages (default: docs/)")
    parser.add_argument("--html", type=Path, help="also build the pages as a static HTML site in this folder")
    parser.add_argument("--compare", type=Path, default=DEFAULT_COMPARE,
                        help="the compare figures to show (default: docs/compare/compare.json, from 'compare')")
    parser.add_argument("--patterns", type=Path, default=registry.PATTERNS_DIR,
                        help="the folder holding the pattern folders (default: patterns/)")


def run(args: argparse.Namespace, say: Callable[[str], None]) -> int:
    from infra.docs.build import generate  # the builder and the translator: only when docs are built
    from infra.docs.site import build_site

    if not args.patterns.is_dir():
        raise DocsError(f"--patterns {args.patterns}: not a folder")
    patterns = registry.all_patterns(args.patterns)
    if not patterns:
        raise DocsError(f"no pattern folder (a folder with a template.yaml) under {args.patterns}")
    written = generate(patterns, args.out, args.compare)
    say(f"wrote {len(written)} files for {len(patterns)} patterns into {args.out}")
    if args.html is not None:
        site = build_site(args.out, args.html)
        say(f"wrote {len(site)} HTML pages into {args.html} (open {args.html / 'index.html'})")
    return 0
