"""API Gateway's management API (post_to_connection & co) reaches the WebSocket front door's real
sockets when one is serving (moto's own backend appends the data to a byte string)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from infra.compute import active
from infra.compute.moto_hooks import patches
from infra.exceptions import ConnectionGoneError

MANAGEMENT_CALLS = ("post_to_connection", "get_connection", "delete_connection")


def install() -> None:
    if not patches.claim(__name__):
        return
    from moto.apigatewaymanagementapi.models import ApiGatewayManagementApiBackend
    from moto.core.exceptions import JsonRESTError

    class GoneException(JsonRESTError):
        code = 410

        def __init__(self, connection_id: str) -> None:
            super().__init__("GoneException", f"connection {connection_id} is gone")

    class Described:
        def __init__(self, data: dict[str, Any]) -> None:
            self.data = data

        def to_dict(self) -> dict[str, Any]:
            return self.data

    def through_door(name: str) -> None:
        original = getattr(ApiGatewayManagementApiBackend, name)

        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            door = active.connections()
            if door is None:
                return original(self, *args, **kwargs)
            connection_id = unquote(kwargs.pop("connection_id"))
            try:
                result = getattr(door, name)(connection_id, *args, **kwargs)
            except ConnectionGoneError:
                raise GoneException(connection_id) from None
            return Described(result) if name == "get_connection" else result

        patches.patch(ApiGatewayManagementApiBackend, name, method)

    for name in MANAGEMENT_CALLS:
        through_door(name)
