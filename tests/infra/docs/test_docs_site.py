"""The pages as a static HTML site: diagrams embedded (nothing fetched), links between pages, and
every diagram really drawn by a headless Chromium."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from docs_fixtures import needs_graphviz
from websockets.sync.client import connect

from infra import registry
from infra.docs import diagram, graph
from infra.docs.build import ROOT, generate
from infra.docs.exceptions import DocsError
from infra.docs.site import build_site
from infra.docs.source import read

pytestmark = needs_graphviz
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MERMAID = ROOT / ".toolkit" / "mermaid" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    generate(registry.all_patterns(), root / "docs")
    build_site(root / "docs", root / "site")
    return root / "site"


def test_every_page_becomes_html_with_its_diagram_embedded_and_nothing_fetched(site):
    names = sorted(p.name for p in site.iterdir())
    assert names == sorted([f"{p.name}.html" for p in registry.all_patterns()] + ["index.html"])
    page = (site / "file-conversion.html").read_text()
    assert page.count("<svg") == 1 and '<figure class="diagram"' in page
    assert "<script" not in page and "http://" not in page.split("<svg", 1)[0]
    assert "<table>" in page and "Mermaid source" in page
    assert 'href="index.html"' in page
    assert 'href="file-conversion.html"' in (site / "index.html").read_text()


def test_a_site_from_a_folder_without_pages_is_a_clear_error(tmp_path):
    with pytest.raises(DocsError, match="no generated pages"):
        build_site(tmp_path, tmp_path / "site")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/install-browser)")
def test_chromium_draws_every_diagram_with_every_node(site, tmp_path):
    expected = {}
    for pattern in registry.all_patterns():
        source = read(pattern)
        expected[pattern.name] = len(graph.build(source.resources, source.parameters).nodes)
    with _chromium(tmp_path) as call:
        for name, nodes in sorted(expected.items()):
            url = (site / f"{name}.html").as_uri()
            call("Page.navigate", url=url)
            drawn = _wait_for(call, url)
            assert drawn["figures"] == 1, name
            assert drawn["width"] > 200 and drawn["height"] > 20, (name, drawn)
            assert drawn["nodes"] == nodes and drawn["drawnNodes"] == nodes, (name, drawn)
            assert drawn["external"] == [], (name, drawn)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/install-browser)")
@pytest.mark.skipif(not MERMAID.is_file(), reason="mermaid is not installed (scripts/install-mermaid)")
def test_every_pages_mermaid_text_renders_with_every_node(tmp_path):
    """What GitHub does with the Markdown: Mermaid (the npm package, loaded from disk) renders each
    page's diagram text without a syntax error and with one box per graph node."""
    diagrams, expected = [], {}
    for pattern in registry.all_patterns():
        source = read(pattern)
        resource_graph = graph.build(source.resources, source.parameters)
        expected[pattern.name] = len(resource_graph.nodes)
        diagrams.append([pattern.name, diagram.mermaid(resource_graph)])
    page = tmp_path / "mermaid.html"
    page.write_text(f"""<!DOCTYPE html><html><body>
<script src="{MERMAID.as_uri()}"></script>
<script>
mermaid.initialize({{startOnLoad: false}});
window.rendered = (async () => {{
  const results = {{}};
  for (const [n, [name, text]] of {json.dumps(diagrams)}.entries()) {{
    try {{
      const {{svg}} = await mermaid.render('diagram' + n, text);
      const holder = document.createElement('div');
      holder.innerHTML = svg;
      results[name] = {{nodes: holder.querySelectorAll('g.node').length, error: null}};
    }} catch (e) {{ results[name] = {{nodes: 0, error: String(e)}}; }}
  }}
  return JSON.stringify(results);
}})();
</script></body></html>""")
    with _chromium(tmp_path) as call:
        call("Page.navigate", url=page.as_uri())
        rendered = _await(call, "window.rendered")
    assert {name: r["error"] for name, r in rendered.items() if r["error"]} == {}
    assert {name: r["nodes"] for name, r in rendered.items()} == expected


def _await(call: Callable[..., Any], expression: str, seconds: float = 60.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        reply = call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        value = reply.get("result", {}).get("value")
        if isinstance(value, str):
            return json.loads(value)
        assert time.monotonic() < deadline, f"{expression} gave nothing: {reply}"
        threading.Event().wait(0.1)


@contextlib.contextmanager
def _chromium(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """A headless Chromium, driven over DevTools (``call(method, **params)``), stopped afterwards."""
    (tmp_path / "profile" / "DevToolsActivePort").unlink(missing_ok=True)  # a previous browser's port
    browser = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--allow-file-access-from-files",
         f"--user-data-dir={tmp_path / 'profile'}", "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with _devtools(tmp_path / "profile" / "DevToolsActivePort") as call:
            yield call
    finally:
        os.killpg(browser.pid, signal.SIGTERM)
        browser.wait(10)


_MEASURE = """JSON.stringify((() => {
  const svg = document.querySelector('figure.diagram svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const nodes = svg ? [...svg.querySelectorAll('g.node')] : [];
  return {href: location.href, ready: document.readyState, figures: document.querySelectorAll('figure.diagram').length,
          width: box.width, height: box.height, nodes: nodes.length,
          drawnNodes: nodes.filter(n => n.getBBox().width > 0 && n.getBBox().height > 0).length,
          external: performance.getEntriesByType('resource').map(r => r.name).filter(u => !u.startsWith('file:'))};
})())"""


def _wait_for(call: Callable[..., Any], url: str, seconds: float = 30.0) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        value = call("Runtime.evaluate", expression=_MEASURE, returnByValue=True).get("result", {}).get("value")
        drawn = json.loads(value or "{}")
        if drawn.get("href") == url and drawn.get("ready") == "complete":
            return drawn
        assert time.monotonic() < deadline, f"{url} did not load: {drawn}"
        threading.Event().wait(0.05)


@contextlib.contextmanager
def _devtools(port_file: Path) -> Iterator[Callable[..., Any]]:
    """``call(method, **params)`` over Chromium's DevTools protocol, on its first page."""
    deadline = time.monotonic() + 30
    while not port_file.exists():
        assert time.monotonic() < deadline, "chromium did not start"
        threading.Event().wait(0.05)
    port = port_file.read_text().split()[0]
    while True:
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5).read())
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            break
        assert time.monotonic() < deadline, "chromium opened no page"
        threading.Event().wait(0.05)
    ids = itertools.count(1)
    with connect(pages[0]["webSocketDebuggerUrl"], max_size=None) as socket:

        def call(method: str, **params: Any) -> dict[str, Any]:
            n = next(ids)
            socket.send(json.dumps({"id": n, "method": method, "params": params}))
            while True:
                reply = json.loads(socket.recv(timeout=10))
                if reply.get("id") == n:
                    return reply.get("result", {})

        yield call
