"""The before's static-files Lambda on its own, with API Gateway's real proxy events: files with
their content types, the PNG base64-encoded, the app's routes answered with the page, and paths
outside the site refused."""

from __future__ import annotations

import base64
import importlib.util
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions" / "static_offload"
SPEC = importlib.util.spec_from_file_location("static_offload_static_files", FUNCTIONS / "static_files.py")
assert SPEC is not None and SPEC.loader is not None
static_files = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(static_files)


def _get(events, proxy: str | None) -> dict:
    path = f"/{proxy}" if proxy else "/"
    event = events.api_gateway_request("GET", path, resource="/{proxy+}" if proxy else "/",
                                       path_parameters={"proxy": proxy} if proxy else None)
    return static_files.handler(event, None)


@pytest.mark.parametrize("proxy, content_type", [
    (None, "text/html"), ("index.html", "text/html"), ("app.css", "text/css"), ("app.js", "text/javascript"),
])
def test_text_files_are_served_with_their_content_type(events, proxy, content_type):
    answer = _get(events, proxy)
    assert answer["statusCode"] == 200 and answer["headers"]["Content-Type"] == content_type
    assert answer["body"] == (FUNCTIONS / "site" / (proxy or "index.html")).read_text(encoding="utf-8")


def test_the_image_is_base64_encoded_for_api_gateway(events):
    answer = _get(events, "logo.png")
    assert answer["isBase64Encoded"] is True and answer["headers"]["Content-Type"] == "image/png"
    assert base64.b64decode(answer["body"]) == (FUNCTIONS / "site" / "logo.png").read_bytes()


def test_a_route_of_the_app_gets_the_page_and_a_missing_asset_a_404(events):
    assert _get(events, "products/p01/reviews")["body"].startswith("<!doctype html>")
    assert _get(events, "missing.js")["statusCode"] == 404


@pytest.mark.parametrize("proxy", ["../static_files.py", "../../functions/static_offload/products.py", "/etc/passwd"])
def test_paths_outside_the_site_are_not_served(events, proxy):
    answer = _get(events, proxy)
    assert answer["statusCode"] == 404 or answer["body"].startswith("<!doctype html>")
    assert "import" not in answer["body"] and "root:" not in answer["body"]
