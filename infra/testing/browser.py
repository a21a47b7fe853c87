"""A page in a real headless Chromium, read over the DevTools protocol: for tests that check what
a person would see (the page sets ``document.body.dataset`` as it renders).

    with headless_chromium(url, tmp_path) as page:
        dataset = page.dataset_when(lambda d: d.get("state") == "ready")

``CHROMIUM`` is None when no Chromium is installed (``scripts/install-browser``); skip then.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

from websockets.sync.client import connect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--remote-debugging-port=0")


class Page:
    def __init__(self, port_file: Path) -> None:
        self._port_file = port_file

    def dataset_when(self, done: Callable[[dict[str, Any]], bool], seconds: float = 60.0,
                     between: Callable[[], None] = lambda: None) -> dict[str, Any]:
        """``document.body.dataset``, read again (``between()`` each time: a test may move its
        clock on) until ``done(dataset)`` or ``seconds`` pass; the last one read."""
        deadline = time.monotonic() + seconds
        while not self._port_file.exists():
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not start")
            threading.Event().wait(0.05)
        port = self._port_file.read_text().split()[0]
        while True:
            targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5).read())
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                break
            threading.Event().wait(0.05)
        dataset: dict[str, Any] = {}
        with connect(pages[0]["webSocketDebuggerUrl"], max_size=None) as devtools:
            n = 0
            while True:
                n += 1
                devtools.send(json.dumps({"id": n, "method": "Runtime.evaluate",
                                          "params": {"expression": "JSON.stringify(document.body.dataset)",
                                                     "returnByValue": True}}))
                while True:
                    reply = json.loads(devtools.recv(timeout=10))
                    if reply.get("id") == n:
                        break
                dataset = json.loads(reply.get("result", {}).get("result", {}).get("value") or "{}")
                if done(dataset) or time.monotonic() > deadline:
                    return dataset
                between()
                threading.Event().wait(0.02)


@contextlib.contextmanager
def headless_chromium(url: str, profile_dir: Path) -> Iterator[Page]:
    """Chromium showing ``url`` (its own profile in ``profile_dir``); stopped on the way out."""
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed (scripts/install-browser)")
    profile = profile_dir / "profile"
    browser = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", url],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield Page(profile / "DevToolsActivePort")
    finally:
        os.killpg(browser.pid, signal.SIGTERM)
        browser.wait(10)
