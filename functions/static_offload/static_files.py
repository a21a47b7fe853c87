"""The "before": the site's static files served by a Lambda behind API Gateway (``GET /`` and
``GET /{proxy+}``), as many apps start. Images go base64-encoded (the API lists image/png as a
binary media type); an unknown path gets the page itself, as a single-page app's host does."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any, TypedDict

SITE = Path(__file__).with_name("site").resolve()
TEXT_TYPES = ("text/", "application/javascript", "application/json")


class ProxyResponse(TypedDict, total=False):
    """A Lambda proxy integration's answer (payload format 1.0)."""

    statusCode: int
    headers: dict[str, str]
    body: str
    isBase64Encoded: bool


def _file(path: str) -> Path | None:
    wanted = (SITE / path.lstrip("/")).resolve()
    if wanted == SITE or not wanted.is_relative_to(SITE) or not wanted.is_file():
        return None  # outside the site (../) or no such file
    return wanted


def handler(event: dict[str, Any], context: Any) -> ProxyResponse:
    path = (event.get("pathParameters") or {}).get("proxy") or "index.html"
    found = _file(path)
    if found is None:
        if Path(path).suffix:  # an asset that does not exist
            return {"statusCode": 404, "headers": {"Content-Type": "text/plain"}, "body": "not found"}
        found = SITE / "index.html"  # a route of the single-page app
    content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    headers = {"Content-Type": content_type, "Cache-Control": "max-age=300"}
    if content_type.startswith(TEXT_TYPES):
        return {"statusCode": 200, "headers": headers, "body": found.read_text(encoding="utf-8")}
    return {"statusCode": 200, "headers": headers, "body": base64.b64encode(found.read_bytes()).decode(),
            "isBase64Encoded": True}
