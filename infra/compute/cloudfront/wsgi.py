"""Distributions inside another WSGI application: ``samplecli.py up`` serves each deployed
distribution on its own endpoint under ``/_cloudfront/{distribution_id}/`` (a prefix no S3 bucket
can have), the rest of the path being the viewer's path as CloudFront sees it."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from infra.compute.cloudfront.frontdoor import CloudFrontFrontDoor, error_page
from infra.compute.http.wsgi import WsgiApp, request_from_environ, respond

PREFIX = "/_cloudfront/"


def distribution_path(distribution_id: str) -> str:
    return f"{PREFIX}{distribution_id}"


def with_distributions(app: WsgiApp, door: Callable[[], CloudFrontFrontDoor]) -> WsgiApp:
    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return app(environ, start_response)
        distribution_id, _, rest = path[len(PREFIX):].partition("/")
        request = request_from_environ(environ, f"/{rest}")
        response = (door().handle(distribution_id, request) if request is not None
                    else error_page(413, "The request body is too large."))
        return respond(response, start_response)

    return dispatch
