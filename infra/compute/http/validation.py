"""Request validators: required request parameters, and the body against the method's model
(a JSON schema), with API Gateway's 400 answers."""

from __future__ import annotations

import json
import threading
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match

from infra.compute.http.messages import HttpRequest
from infra.compute.http.model import Route

_validators: dict[str, Draft4Validator] = {}
_lock = threading.Lock()


def _validator(schema: dict[str, Any]) -> Draft4Validator:
    key = json.dumps(schema, sort_keys=True)
    with _lock:
        if key not in _validators:
            _validators[key] = Draft4Validator(schema)  # API Gateway models are JSON Schema draft 4
        return _validators[key]


def problem(route: Route, request: HttpRequest, path_parameters: dict[str, str]) -> str | None:
    """The 400 message when the request fails the route's validator, else None."""
    if route.validate_parameters:
        missing = []
        for name in route.required_parameters:
            _, _, location, param = name.split(".", 3)
            present = {"path": lambda p: p in path_parameters,
                       "querystring": lambda p: any(k == p for k, _ in request.query),
                       "header": lambda p: request.header(p) is not None}.get(location, lambda p: True)(param)
            if not present:
                missing.append(param)
        if missing:
            return f"Missing required request parameters: [{', '.join(missing)}]"
    if route.validate_body and route.request_models:
        content_type = (request.header("Content-Type") or "application/json").split(";")[0].strip().lower()
        schema = route.request_models.get(content_type) or route.request_models.get("$default")
        if schema is None:
            return None
        try:
            document = json.loads(request.body or b"null")
        except ValueError as exc:
            return f"Invalid request body: not JSON ({exc})"
        error = best_match(_validator(schema).iter_errors(document))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path)
            return f"Invalid request body: {error.message}" + (f" (at {where})" if where else "")
    return None
