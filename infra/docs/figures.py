"""The latest compare figures for a pattern, read from the JSON file ``samplecli.py compare`` writes
(docs/compare/compare.json). Nothing is assumed about its layout beyond JSON: the pattern's
entry is found by its name (a key, or a "pattern"/"name" field), its figures are flattened to
key paths, its date is the entry's or the file's own date field."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.docs.exceptions import DocsError
from infra.docs.markdown import code, table

COMPARE_COMMAND = "python samplecli.py compare"
_DATE_FIELDS = {f"{word}{suffix}" for word in ("date", "measured", "generated") for suffix in ("", "_at", "_on")}
_NAME_FIELDS = ("pattern", "name")
_LONGEST_LIST = 12  # a longer list of values (latency samples...) is summarized, not printed
_MOST_ROWS = 150


@dataclass(frozen=True)
class Figures:
    date: str | None
    rows: tuple[tuple[str, str], ...]


def load(path: Path) -> Any | None:
    """The compare file's content, None when it does not exist."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DocsError(f"{path}: cannot be read as the compare figures (JSON): {exc}") from exc


def for_pattern(data: Any, names: tuple[str, ...]) -> Figures | None:
    entries = list(_entries(data, names))
    if not entries:
        return None
    rows: list[tuple[str, str]] = []
    for n, entry in enumerate(entries):
        prefix = f"[{n}]." if len(entries) > 1 else ""
        rows += [(prefix + key, value) for key, value in _flatten(entry, "")]
    date = next((d for d in (_date(e) for e in entries) if d), None) or _date(data)
    return Figures(date, tuple(rows))


def _entries(data: Any, names: tuple[str, ...]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(data, dict):
        for key, value in sorted(data.items()):
            if key in names and isinstance(value, dict):
                found.append(value)
            elif isinstance(value, (dict, list)):
                found += _entries(value, names)
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, dict) and any(item.get(f) in names for f in _NAME_FIELDS):
                found.append({k: v for k, v in item.items() if not (k in _NAME_FIELDS and v in names)})
            elif isinstance(item, (dict, list)):
                found += _entries(item, names)
    return found


def _date(data: Any) -> str | None:
    """The value of a date-like field: one named date/measured/generated (with _at or _on), else one
    whose name ends in "date"."""
    if not isinstance(data, dict):
        return None
    exact = [key for key in data if key.lower() in _DATE_FIELDS]
    loose = [key for key in data if key.lower().endswith("date")]
    for key in exact + loose:
        if isinstance(data[key], (str, int, float)) and not isinstance(data[key], bool):
            return str(data[key])
    return None


def _flatten(value: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [pair for key in value for pair in _flatten(value[key], f"{path}.{key}" if path else str(key))]
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        return [pair for n, item in enumerate(value) for pair in _flatten(item, f"{path}[{n}]")]
    if isinstance(value, list) and len(value) > _LONGEST_LIST:
        return [(path, f"{len(value)} values (see the compare file)")]
    if isinstance(value, list):
        return [(path, ", ".join(_scalar(item) for item in value))]
    return [(path, _scalar(value))]


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def compare_section(data: Any | None, names: tuple[str, ...], shown_path: str) -> str:
    if data is None:
        return (f"No compare figures were measured yet: {code(COMPARE_COMMAND)} measures them (it writes "
                f"{code(shown_path)}); then {code('python samplecli.py docs')} puts them here.")
    figures = for_pattern(data, names)
    if figures is None:
        return (f"{code(shown_path)} has no figures for this pattern yet: run "
                f"{code(f'{COMPARE_COMMAND} {names[0]}')}, then {code('python samplecli.py docs')}.")
    when = f"measured {figures.date}" if figures.date else "no date recorded in the file"
    rows = figures.rows[:_MOST_ROWS]
    more = len(figures.rows) - len(rows)
    parts = [f"From {code(shown_path)} ({when}; {code(COMPARE_COMMAND)} measures them), in the file's order:"]
    for group, items in _groups(rows):
        heading = f"**{group}**\n\n" if group else ""
        parts.append(heading + table(("figure", "value"), ((code(key), value) for key, value in items)))
    if more:
        parts.append(f"{more} more figures for this pattern are in {code(shown_path)}.")
    return "\n\n".join(parts)


def _groups(rows: tuple[tuple[str, str], ...]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Rows grouped by their first key (a table each), the top-level figures first, in one table."""
    groups: dict[str, list[tuple[str, str]]] = {"": []}
    for key, value in rows:
        head, sep, rest = _split_first(key)
        groups.setdefault(head if sep else "", []).append((rest if sep else key, value))
    return [(group, items) for group, items in groups.items() if items]


def _split_first(key: str) -> tuple[str, str, str]:
    cut = min((i for i in (key.find("."), key.find("[")) if i > 0), default=-1)
    if cut < 0:
        return key, "", ""
    rest = key[cut + 1:] if key[cut] == "." else key[cut:]
    return key[:cut], key[cut], rest
