"""samplecli run static-offload, in a module of its own: its embedded cloud must not share the
process's moto with test_static_offload.py's module-wide cloud."""

from __future__ import annotations

import io
import re
import socket
import threading

import samplecli
from patterns.api_client import call


def test_samplecli_run_reports_before_and_after_and_exits_zero():
    out = io.StringIO()
    assert samplecli.main(["run", "static-offload"], out=out) == 0
    text = out.getvalue()
    assert "requests reaching API Gateway" in text and "cost per million page views" in text
    assert "held    the after cuts API Gateway's requests: 1000 -> 200" in text and "BROKEN" not in text


def test_serve_prints_the_distribution_url_that_serves_the_shop(eventually):
    out, stop = io.StringIO(), threading.Event()
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(samplecli.main(
        ["serve", "static-offload", "--port", "0", "--cdn-port", "0"], out=out, stop=stop)))
    thread.start()
    try:
        assert eventually(lambda: "Ctrl-C stops" in out.getvalue() or codes, seconds=120), out.getvalue()
        url = re.search(r"CloudFront distribution \w+: (http://127\.0\.0\.1:\d+)", out.getvalue()).group(1)
        page = call("GET", f"{url}/")
        products = call("GET", f"{url}/api/products")
    finally:
        stop.set()
        thread.join(30)
    assert codes == [0] and f"open the shop in a browser: {url}/" in out.getvalue()
    assert "Corner Shop" in page.body and len(products.body["products"]) == 5


def test_serve_with_a_busy_cdn_port_fails_before_deploying():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = io.StringIO()
        assert samplecli.main(["serve", "static-offload", "--port", "0", "--cdn-port", str(port)], out=out) == 1
    assert "creating" not in out.getvalue()


def test_run_against_the_up_endpoint_serves_the_distribution_under_its_path():
    from infra import server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = server.start(port, ws_port=0)
    out = io.StringIO()
    try:
        code = samplecli.main(["run", "static-offload", "--target", "local", "--endpoint-url", endpoint.url], out=out)
    finally:
        endpoint.stop()
    text = out.getvalue()
    assert code == 0, text
    assert f"{endpoint.url}/_cloudfront/" in text and "held    the after cuts API Gateway's requests: 1000 -> 200" in text
