"""Objects WebSocket connections join, and the one handler for their WebSocket API's routes.

    class ChatRoom(Room):
        member_tag = "member"                      # the tag joining connections carry
        def post(self, text): self.state.websockets.broadcast({...}, tag=self.member_tag)

    rooms = Namespace(ChatRoom)
    socket_handler = websocket_handler(rooms, room_to_join, on_message)

``$connect`` asks ``room_to_join(event)`` for the object to join (``JoinRefused`` answers 400 with
its text) and calls the room's ``join``; ``$disconnect`` calls ``leave`` on the room the connection
is attached to; any other route goes to ``on_message(event, route, room)``, ``room`` the stub of the
connection's room (None when it is attached to none). A room that does more on join (start an
alarm) overrides ``join`` and calls ``super().join``.
"""

from __future__ import annotations

from typing import Any, Callable

from durable_objects.errors import DurableObjectError
from durable_objects.objects import DurableObject
from durable_objects.sockets import object_of_connection

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class JoinRefused(DurableObjectError):
    """A connection that cannot join: its ``$connect`` is answered 400 with this text."""


class Room(DurableObject):
    member_tag = "member"

    def join(self, connection_id: str) -> None:
        self.state.websockets.accept(connection_id, tags=[self.member_tag])

    def leave(self, connection_id: str) -> None:
        self.state.websockets.detach(connection_id)


def websocket_handler(namespace: Any, room_to_join: Callable[[dict[str, Any]], Any],
                      on_message: Callable[[dict[str, Any], str, Any], dict[str, Any] | None]) -> Handler:
    """A Lambda handler for a WebSocket API whose connections join the rooms of ``namespace``."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request = event["requestContext"]
        route, connection = request["routeKey"], request["connectionId"]
        if route == "$connect":
            try:
                room = room_to_join(event)
            except JoinRefused as refused:
                return {"statusCode": 400, "body": str(refused)}
            namespace.get(room).join(connection)
            return {"statusCode": 200}
        room_id = object_of_connection(namespace, connection)
        if route == "$disconnect":
            if room_id is not None:
                namespace.get(room_id).leave(connection)
            return {"statusCode": 200}
        answer = on_message(event, route, None if room_id is None else namespace.get(room_id))
        return answer if answer is not None else {"statusCode": 200}

    return handler
