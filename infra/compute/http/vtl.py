"""Mapping templates, rendered by airspeed (the Velocity implementation LocalStack uses for API
Gateway): ``$input`` (body, json, path, params), ``$util``, ``$context``, ``$stageVariables``."""

from __future__ import annotations

import base64
import json
import threading
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import airspeed

from infra.compute.jsonpath import parse as jsonpath  # one shared parser, not one per path
from infra.exceptions import ToolkitError


class TemplateRenderError(ToolkitError):
    """A mapping template could not be parsed or rendered."""


_compiled: dict[str, Any] = {}
_paths: dict[str, Any] = {}
_lock = threading.Lock()


def _select(document: Any, path: str) -> Any:
    with _lock:
        if path not in _paths:
            _paths[path] = jsonpath(path)
        expression = _paths[path]
    found = [match.value for match in expression.find(document)]
    if not found:
        return None
    return found[0] if len(found) == 1 and "[*]" not in path and ".." not in path else found


class Input:
    """``$input``: the request (or, in a response template, the integration's response)."""

    def __init__(self, body: bytes, params: dict[str, dict[str, str]] | None = None) -> None:
        self._raw = body
        self._params = params or {"path": {}, "querystring": {}, "header": {}}
        self._parsed: Any = ...

    @property
    def body(self) -> str:
        return self._raw.decode("utf-8", "replace")

    def _document(self) -> Any:
        if self._parsed is ...:
            try:
                self._parsed = json.loads(self._raw) if self._raw.strip() else {}
            except ValueError:
                self._parsed = self.body
        return self._parsed

    def json(self, path: str = "$") -> str:
        return json.dumps(_select(self._document(), path))

    def path(self, path: str = "$") -> Any:
        return _select(self._document(), path)

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return self._params
        for location in ("path", "querystring", "header"):
            if name in self._params.get(location, {}):
                return self._params[location][name]
        return ""


class Util:
    """``$util``."""

    @staticmethod
    def escapeJavaScript(value: Any) -> str:  # noqa: N802 - the name templates use
        text = value if isinstance(value, str) else json.dumps(value)
        return json.dumps(text)[1:-1].replace("'", "\\'")

    @staticmethod
    def urlEncode(value: Any) -> str:  # noqa: N802
        return quote_plus(str(value))

    @staticmethod
    def urlDecode(value: Any) -> str:  # noqa: N802
        return unquote_plus(str(value))

    @staticmethod
    def base64Encode(value: Any) -> str:  # noqa: N802
        return base64.b64encode(str(value).encode()).decode()

    @staticmethod
    def base64Decode(value: Any) -> str:  # noqa: N802
        return base64.b64decode(str(value)).decode("utf-8", "replace")

    @staticmethod
    def parseJson(value: Any) -> Any:  # noqa: N802
        return json.loads(str(value))


def render(template: str, body: bytes, context: dict[str, Any], stage_variables: dict[str, str],
           params: dict[str, dict[str, str]] | None = None) -> str:
    with _lock:
        compiled = _compiled.get(template)
    if compiled is None:
        try:
            compiled = airspeed.Template(template)
        except Exception as exc:  # airspeed's TemplateSyntaxError and friends
            raise TemplateRenderError(f"mapping template cannot be parsed: {exc}") from exc
        with _lock:
            _compiled[template] = compiled
    try:
        return compiled.merge({"input": Input(body, params), "util": Util(), "context": context,
                               "stageVariables": stage_variables})
    except Exception as exc:
        raise TemplateRenderError(f"mapping template failed: {exc}") from exc
