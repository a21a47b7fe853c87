"""A headless Chromium driven over the DevTools protocol, for tests of pages patterns serve."""

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
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """``with Browser(url, profile_dir) as page: page.evaluate("document.title")``."""

    def __init__(self, url: str, profile: Path, start_seconds: float = 30.0) -> None:
        assert CHROMIUM is not None, "chromium is not installed"
        self.url, self.profile, self.start_seconds = url, profile, start_seconds
        self._ids = itertools.count(1)

    def __enter__(self) -> "Browser":
        self.process = subprocess.Popen(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={self.profile}",
             "--remote-debugging-port=0", self.url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._closing = contextlib.ExitStack()
        try:
            self.devtools = self._closing.enter_context(connect(self._page_socket(), max_size=None))
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self._closing.close()
        self._stop()

    def _stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(10)

    def _page_socket(self) -> str:
        deadline = time.monotonic() + self.start_seconds
        port_file = self.profile / "DevToolsActivePort"
        while time.monotonic() < deadline:
            if port_file.exists() and port_file.read_text().strip():
                port = port_file.read_text().split()[0]
                targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5).read())
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            threading.Event().wait(0.05)
        raise TimeoutError("chromium did not open the page")

    def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression`` in the page (promises awaited)."""
        number = next(self._ids)
        self.devtools.send(json.dumps({"id": number, "method": "Runtime.evaluate", "params": {
            "expression": expression, "returnByValue": True, "awaitPromise": True}}))
        while True:
            reply = json.loads(self.devtools.recv(timeout=10))
            if reply.get("id") == number:
                return reply["result"]["result"].get("value")

    def dataset(self) -> dict[str, str]:
        return json.loads(self.evaluate("JSON.stringify(document.body.dataset)") or "{}")
