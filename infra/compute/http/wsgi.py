"""The front door inside another WSGI application: requests under ``/restapis/.../_user_request_/``
go to the front door, everything else to the application (``samplecli.py up`` puts it in front
of the moto server, so APIs are served on the same endpoint, in LocalStack's URL form)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Callable, Iterable

from infra.compute.http.frontdoor import MAX_BODY_BYTES, FrontDoor
from infra.compute.http.messages import HttpRequest, HttpResponse, error

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def request_from_environ(environ: dict[str, Any], path: str) -> HttpRequest | None:
    """The WSGI request as the front doors take it (``path`` may drop a prefix); None when its body
    is over the limit."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY_BYTES:
        return None
    body = environ["wsgi.input"].read(length) if length else b""
    headers = [(key[5:].replace("_", "-").title(), value) for key, value in environ.items()
               if key.startswith("HTTP_")]
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers.append((key.replace("_", "-").title(), environ[key]))
    query = environ.get("QUERY_STRING", "")
    return HttpRequest.build(environ["REQUEST_METHOD"], path + (f"?{query}" if query else ""), headers,
                             body, source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"))


def respond(response: HttpResponse, start_response: Callable[..., Any]) -> Iterable[bytes]:
    reason = HTTPStatus(response.status).phrase if response.status in HTTPStatus._value2member_map_ else ""
    start_response(f"{response.status} {reason}",
                   [(k, v) for k, v in response.headers if k.lower() != "content-length"]
                   + [("Content-Length", str(len(response.body)))])
    return [response.body]


def with_front_door(app: WsgiApp, front_door: FrontDoor) -> WsgiApp:
    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not (path.startswith("/restapis/") and "/_user_request_" in path):
            return app(environ, start_response)
        request = request_from_environ(environ, path)
        response = (front_door.handle(request) if request is not None
                    else error(413, "Request Too Long", error_type="RequestTooLongException"))
        return respond(response, start_response)

    return dispatch
