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
from infra.docs import graph
from infra.docs.build import generate
from infra.docs.exceptions import DocsError
from infra.docs.site import build_site
from infra.docs.source import read

pytestmark = needs_graphviz
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


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
    browser = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with _devtools(tmp_path / "profile" / "DevToolsActivePort") as call:
            for name, nodes in sorted(expected.items()):
                url = (site / f"{name}.html").as_uri()
                call("Page.navigate", url=url)
                drawn = _wait_for(call, url)
                assert drawn["figures"] == 1, name
                assert drawn["width"] > 200 and drawn["height"] > 20, (name, drawn)
                assert drawn["nodes"] == nodes and drawn["drawnNodes"] == nodes, (name, drawn)
                assert drawn["external"] == [], (name, drawn)
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
