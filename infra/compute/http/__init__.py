"""The HTTP front door: deployed API Gateway APIs (REST v1, HTTP v2) served as real HTTP.

    door = FrontDoor(clients, invoke, clock, account_id)     # in-process: door.handle(request)
    server = HttpFrontDoorServer(door, port).start()          # on a socket: server.url

Modules: messages (request/response), paths (templates), model + loaders (the API read from the
control plane), events (Lambda proxy shapes), vtl (mapping templates), services (AWS service
integrations), integrations (each integration type), keys (API keys, usage plans), validation
(request validators), frontdoor (the flow), server (the socket), wsgi (inside another WSGI app,
as on ``samplecli.py up``).

Reuse: another pattern's REST or HTTP API needs nothing but its template — ``cloud.api_url()``
gives its base URL. A WebSocket front door sits beside this one: ``loaders.load_http_api`` reads
a WEBSOCKET API with its route keys ($connect, $disconnect, $default, custom), ``events`` and
``integrations`` hold the Lambda and service calls to build on, and ``FrontDoor.handle`` answers
plain HTTP to a WebSocket API with 426.
"""

from __future__ import annotations

from infra.compute.http.frontdoor import FrontDoor, api_path
from infra.compute.http.messages import HttpRequest, HttpResponse
from infra.compute.http.server import HttpFrontDoorServer

__all__ = ["FrontDoor", "HttpFrontDoorServer", "HttpRequest", "HttpResponse", "api_path"]
