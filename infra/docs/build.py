"""Writing the docs folder: a page and an SVG per pattern, the index; pages of patterns that no
longer exist are removed. Same templates in, same bytes out."""

from __future__ import annotations

from pathlib import Path

from infra.docs import diagram, figures, graph, pages
from infra.docs.exceptions import DocsError
from infra.docs.paths import DEFAULT_COMPARE, DEFAULT_OUT, ROOT
from infra.docs.source import read
from infra.registry import Pattern


def render(patterns: list[Pattern], compare_file: Path = DEFAULT_COMPARE) -> dict[str, str]:
    """File name -> content of every generated file (pages, diagrams, index)."""
    compare = figures.load(compare_file)
    shown = _shown(compare_file)
    files: dict[str, str] = {}
    entries = []
    for pattern in sorted(patterns, key=lambda p: p.name):
        source = read(pattern)
        resource_graph = graph.build(source.resources, source.parameters)
        page = pages.pattern_page(source, resource_graph, compare, shown)
        files[f"{source.name}.md"] = page.markdown
        files[f"{source.name}.svg"] = diagram.render_svg(diagram.dot_source(source.name, resource_graph))
        entries.append((source, page))
    files["index.md"] = pages.index_page(entries, compare)
    return files


def generate(patterns: list[Pattern], out: Path = DEFAULT_OUT, compare_file: Path = DEFAULT_COMPARE) -> list[Path]:
    """Write every generated file into ``out``; returns the files written, in name order."""
    files = render(patterns, compare_file)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for stale in _previously_generated(out) - set(files):
            (out / stale).unlink()
        for name, content in sorted(files.items()):
            (out / name).write_text(content, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise DocsError(f"cannot write the docs into {out}: {exc}") from exc
    return [out / name for name in sorted(files)]


def _previously_generated(out: Path) -> set[str]:
    """Pages this generator wrote before (they start with its mark), and their diagrams."""
    names = set()
    for page in sorted(out.glob("*.md")):
        if page.read_text(encoding="utf-8").startswith(pages.GENERATED_MARK):
            names.add(page.name)
            if (out / f"{page.stem}.svg").is_file():
                names.add(f"{page.stem}.svg")
    return names


def _shown(compare_file: Path) -> str:
    """How a page names the compare file: relative to the project when it is inside it."""
    try:
        return compare_file.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return compare_file.as_posix()
