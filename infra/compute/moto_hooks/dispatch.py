"""The way each in-process botocore request enters moto: moto turns it into a werkzeug Request
through werkzeug's test EnvironBuilder (≈0.1 ms a call, a tenth of a DynamoDB GetItem). For the
plain case the WSGI environ is written out directly; anything else takes moto's way."""

from __future__ import annotations

import sys
from io import BytesIO
from typing import Any
from urllib.parse import urlparse

from infra.compute.moto_hooks import patches


def install() -> None:
    """The plain case — bytes body, ASCII URL without percent-escapes, text header values — is
    built directly (tests compare the two key by key)."""
    if not patches.claim(__name__):
        return
    from moto.core.request import Request

    original = Request.from_primitives.__func__  # type: ignore[attr-defined]

    def from_primitives(cls: Any, method: str, url: str, headers: Any, body: Any = None) -> Any:
        environ = plain_moto_environ(method, url, headers, body)
        if environ is None:
            return original(cls, method, url, headers, body)
        environ["wsgi.errors"] = sys.stderr
        return cls(environ)

    from_primitives.moto_original = original  # type: ignore[attr-defined] # for the tests' comparison
    patches.patch(Request, "from_primitives", classmethod(from_primitives))


def plain_moto_environ(method: str, url: str, headers: Any, body: Any) -> dict[str, Any] | None:
    """The WSGI environ werkzeug's EnvironBuilder would build for this request, or None when it
    is not the plain case (see install)."""
    from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY, environ_key_for_header
    from moto.core.request import should_preserve_original_header_name as preserve

    if body is None:
        body = b""
    if type(body) is not bytes or not url.isascii() or "%" in url or "#" in url:
        return None
    parsed = urlparse(url)
    if not parsed.path.startswith("/") or "@" in parsed.netloc or "[" in parsed.netloc:
        return None
    host, _, port = parsed.netloc.partition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": parsed.path,
        "QUERY_STRING": parsed.query, "REQUEST_URI": parsed.path, "RAW_URI": parsed.path,
        "SERVER_NAME": host,
        "SERVER_PORT": port if port.isdigit() else ("443" if parsed.scheme == "https" else "80"),
        "HTTP_HOST": parsed.netloc, "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.version": (1, 0),
        "wsgi.url_scheme": parsed.scheme, "wsgi.input": BytesIO(body), "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    combined: dict[str, list[str]] = {}
    content_type = None
    preserved: dict[str, str] = {}
    for key, value in headers.items():
        if type(value) is bytes:  # botocore sends its header values encoded
            value = value.decode("utf-8")
        elif type(value) is not str:
            return None
        if "\n" in value or "\r" in value:
            return None
        lower = key.lower()
        if lower == "content-type":
            content_type = value
        elif lower not in ("content-length", "transfer-encoding"):
            combined.setdefault(f"HTTP_{key.upper().replace('-', '_')}", []).append(value)
            if preserve(key):
                preserved[environ_key_for_header(key)] = key
    if content_type is not None:  # in werkzeug's order: these two, then the other headers
        environ["CONTENT_TYPE"] = content_type
    if body:  # an empty body has no length from werkzeug; moto adds "0" after the headers
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, values in combined.items():
        environ[name] = ", ".join(values)
    environ.setdefault("CONTENT_LENGTH", "0")
    environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = preserved
    return environ
