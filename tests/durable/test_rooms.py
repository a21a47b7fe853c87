"""Rooms: WebSocket connections join and leave objects through one handler for the API's routes."""

from __future__ import annotations

from typing import Any

from durable_objects import object_of_connection
from durable_objects.rooms import JoinRefused, Room, websocket_handler


class Lounge(Room):
    member_tag = "guest"

    def members(self) -> list[str]:
        return self.state.websockets.get(self.member_tag)


def socket_event(route: str, connection: str, room: str | None = None) -> dict[str, Any]:
    return {"requestContext": {"routeKey": route, "connectionId": connection},
            "queryStringParameters": {"room": room} if room is not None else None}


def lounge_handler(lounges: Any, messages: list[tuple[str, Any]]) -> Any:
    def room_to_join(event: dict[str, Any]) -> Any:
        name = (event.get("queryStringParameters") or {}).get("room")
        if not name:
            raise JoinRefused("join with ?room=<name>")
        return lounges.id_from_name(name)

    def on_message(event: dict[str, Any], route: str, room: Any) -> dict[str, Any] | None:
        messages.append((route, None if room is None else room.id.hex))
        return {"statusCode": 202} if route == "knock" else None

    return websocket_handler(lounges, room_to_join, on_message)


def test_connect_joins_the_named_room_with_its_tag_and_disconnect_leaves_it(namespace):
    lounges = namespace(Lounge)
    handler = lounge_handler(lounges, [])
    lounge = lounges.get(lounges.id_from_name("blue"))

    assert handler(socket_event("$connect", "c1", room="blue"), None) == {"statusCode": 200}
    assert handler(socket_event("$connect", "c2", room="blue"), None) == {"statusCode": 200}
    assert lounge.members() == ["c1", "c2"] and object_of_connection(lounges, "c1").hex == lounge.id.hex

    assert handler(socket_event("$disconnect", "c1"), None) == {"statusCode": 200}
    assert lounge.members() == ["c2"] and object_of_connection(lounges, "c1") is None


def test_a_refused_join_answers_400_with_its_reason_and_attaches_nothing(namespace):
    lounges = namespace(Lounge)
    handler = lounge_handler(lounges, [])

    assert handler(socket_event("$connect", "c1"), None) == {"statusCode": 400, "body": "join with ?room=<name>"}
    assert object_of_connection(lounges, "c1") is None
    assert handler(socket_event("$disconnect", "c1"), None) == {"statusCode": 200}  # nothing to leave


def test_other_routes_get_the_connections_room_or_none(namespace):
    lounges, messages = namespace(Lounge), []
    handler = lounge_handler(lounges, messages)
    handler(socket_event("$connect", "c1", room="green"), None)

    assert handler(socket_event("$default", "c1"), None) == {"statusCode": 200}
    assert handler(socket_event("knock", "stranger"), None) == {"statusCode": 202}
    assert messages == [("$default", lounges.id_from_name("green").hex), ("knock", None)]
