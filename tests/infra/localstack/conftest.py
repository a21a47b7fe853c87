"""Stand-ins for LocalStack: hosts that log nothing, and a fake installation whose ``python`` is a
small HTTP server answering ``/_localstack/health`` (real processes, pid files and signals)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.localstack import plugin, processes, settings
from infra.localstack.host import LocalStackHost


def quiet(_message: str) -> None:
    pass


@pytest.fixture
def make_host() -> Callable[..., LocalStackHost]:
    """``make_host(state_dir=..., port=..., install_dir=...)``: a host that logs nothing."""
    return lambda **kwargs: LocalStackHost(log=quiet, **kwargs)


FAKE_GATEWAY = '''\
import http.server, os, subprocess, sys
host, port = os.environ["GATEWAY_LISTEN"].split(":")
if os.environ.get("FAKE_GATEWAY_FAIL"):
    print("boom: fake gateway refuses to start", flush=True)
    sys.exit(7)
# a backend in a session of its own, like DynamoDB Local under LocalStack
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
open(os.environ["FAKE_GATEWAY_CHILD"], "w").write(str(child.pid))
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"services": {}}' if self.path == "/_localstack/health" else b"{}"
        self.send_response(200 if self.path == "/_localstack/health" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
print("Ready.", flush=True)
http.server.HTTPServer((host, int(port)), Health).serve_forever()
'''


def _fake_installation(root: Path, fail: bool = False) -> LocalStackHost:
    host = LocalStackHost(state_dir=root, port=processes.free_port(), log=quiet)
    for marker in (host.venv_dir / settings.INSTALL_STAMP, host.java_link / "bin" / "java",
                   host.dynamodb_dir / "DynamoDBLocal.jar", host.agent_jar,
                   host.kinesis_dir / "node_modules" / "kinesis-local" / "main.js"):
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("")
    host.venv_python.parent.mkdir(parents=True, exist_ok=True)
    (host.venv_dir / "lib" / "python3.13" / "site-packages").mkdir(parents=True)
    plugin.install(host.venv_dir, quiet)
    server = root / "fake_gateway.py"
    server.write_text(FAKE_GATEWAY)
    host.venv_python.write_text(
        "#!/bin/sh\n"
        f"export FAKE_GATEWAY_CHILD={root / 'child.pid'}\n"
        + ("export FAKE_GATEWAY_FAIL=1\n" if fail else "")
        + f'exec {sys.executable} {server} "$@"\n')
    host.venv_python.chmod(0o755)
    assert host.is_installed()
    return host


@pytest.fixture
def fake_installation() -> Callable[..., Any]:
    """``fake_installation(root, fail=False)``: an installed-looking host whose gateway is the stand-in."""
    return _fake_installation
