"""Markdown pieces the pages are made of."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cell(value: object) -> str:
    """A table cell: pipes escaped, line breaks as spaces, code-ish values in backticks kept."""
    return str(value).replace("|", "\\|").replace("\n", " ").strip() or " "


def code(value: object) -> str:
    """Inline code that survives any backticks inside it."""
    text = str(value)
    fence = "``" if "`" in text else "`"
    padding = " " if "`" in text else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def settings_text(pairs: Iterable[tuple[str, str]]) -> str:
    return "; ".join(f"{key}: {code(value)}" for key, value in pairs)
