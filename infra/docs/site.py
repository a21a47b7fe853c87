"""The pages as a small static HTML site: each generated Markdown page rendered by Python-Markdown
into one minimal template, its diagram's SVG embedded in the page (nothing fetched at view
time: no Mermaid runtime, no web fonts), links between pages pointing at the HTML files."""

from __future__ import annotations

import html
import re
from pathlib import Path

import markdown

from infra.docs.exceptions import DocsError
from infra.docs.pages import GENERATED_MARK

_IMAGE = re.compile(r'<img alt="([^"]*)" src="([A-Za-z0-9_.-]+\.svg)" ?/?>')
_MERMAID = re.compile(r'<pre><code class="language-mermaid">(.*?)</code></pre>', re.DOTALL)
_PAGE_LINK = re.compile(r'href="([A-Za-z0-9_.-]+)\.md"')
_SVG_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_TITLE = re.compile(r"^# (.+)$", re.MULTILINE)

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.45; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }}
code {{ background: #f4f4f4; padding: 0 0.2rem; }}
pre {{ background: #f4f4f4; padding: 0.7rem; overflow-x: auto; }}
figure.diagram {{ overflow-x: auto; margin: 1rem 0; }}
figure.diagram svg {{ max-width: 100%; height: auto; }}
nav {{ margin-bottom: 1rem; }}
</style>
</head>
<body>
<nav><a href="index.html">All patterns</a></nav>
{body}
</body>
</html>
"""


def _embedded_svg(folder: Path, match: re.Match[str]) -> str:
    alt, name = match.group(1), match.group(2)
    path = folder / name
    if not path.is_file():
        raise DocsError(f"{name}: the page's diagram is missing from {folder} (run python samplecli.py docs)")
    svg = _SVG_PROLOG.sub("", path.read_text(encoding="utf-8"), count=1)
    return f'<figure class="diagram" role="img" aria-label="{alt}">{svg}</figure>'


def _mermaid_source(match: re.Match[str]) -> str:
    return f"<details><summary>Mermaid source (GitHub renders it)</summary><pre>{match.group(1)}</pre></details>"


def page_html(text: str, folder: Path) -> str:
    body = markdown.markdown(text, extensions=["tables", "fenced_code"], output_format="html")
    body = _IMAGE.sub(lambda m: _embedded_svg(folder, m), body)
    body = _MERMAID.sub(_mermaid_source, body)
    body = _PAGE_LINK.sub(r'href="\1.html"', body)
    title = _TITLE.search(text)
    return _TEMPLATE.format(title=html.escape(title.group(1) if title else "Reference architectures"), body=body)


def build_site(docs: Path, site: Path) -> list[Path]:
    """An HTML file for every generated page in ``docs``; returns them in name order."""
    pages = sorted(p for p in docs.glob("*.md") if p.read_text(encoding="utf-8").startswith(GENERATED_MARK))
    if not pages:
        raise DocsError(f"{docs} has no generated pages (run python samplecli.py docs --out {docs})")
    written = []
    try:
        site.mkdir(parents=True, exist_ok=True)
        for page in pages:
            target = site / f"{page.stem}.html"
            target.write_text(page_html(page.read_text(encoding="utf-8"), docs), encoding="utf-8", newline="\n")
            written.append(target)
    except OSError as exc:
        raise DocsError(f"cannot write the site into {site}: {exc}") from exc
    return written
