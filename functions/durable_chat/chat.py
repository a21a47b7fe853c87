"""Chat rooms (Cloudflare's edge-chat-demo) on a WebSocket API: one ChatRoom object per room name.

WebSocket ``wss://.../stage?room=<name>``: ``$connect`` attaches the connection to the room;
``{"action": "history"}`` sends the recent messages to the sender; ``{"message": "<text>"}``
(the ``$default`` route) posts: the room numbers it (``seq`` 1, 2, 3, ... per room), keeps it,
and broadcasts ``{"type": "message", "seq", "message", "from"}`` to every member, in seq order;
``$disconnect`` detaches. ``POST /rooms/{name}/publish`` ({"message": ..., "from": ...}) posts
from a server. A malformed message gets ``{"type": "error", ...}`` back; the connection stays.
"""

from __future__ import annotations

import json
import re
from typing import Any

from durable_objects import Namespace, ObjectBusyError, reply
from durable_objects.rooms import JoinRefused, Room, websocket_handler

ROOM = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_MESSAGE = 2000
HISTORY = 50


class ChatRoom(Room):
    member_tag = "member"

    def history(self, connection_id: str) -> None:
        recent = list(self.storage.list(prefix="msg:", reverse=True, limit=HISTORY).values())[::-1]
        self.state.websockets.send(connection_id, {"type": "history", "messages": recent})

    def post(self, message: str, sender: str) -> int:
        seq = self.storage.get("seq", 0) + 1
        entry = {"seq": seq, "message": message, "from": sender}
        self.storage.put({"seq": seq, f"msg:{seq:012d}": entry})
        if seq > HISTORY * 2:
            self.storage.delete(f"msg:{seq - HISTORY * 2:012d}")
        self.state.websockets.broadcast({"type": "message", **entry}, tag=self.member_tag)
        return seq


rooms = Namespace(ChatRoom)


def _room(name: str) -> Any:
    return rooms.get(rooms.id_from_name(name))


def _text(body: Any) -> str | None:
    """The message's text, or None when the message is not {"message": "<text>"} within limits."""
    try:
        parsed = json.loads(body) if isinstance(body, str) else None
    except ValueError:
        return None
    text = parsed.get("message") if isinstance(parsed, dict) else None
    return text if isinstance(text, str) and 0 < len(text) <= MAX_MESSAGE else None


def _room_to_join(event: dict[str, Any]) -> Any:
    name = (event.get("queryStringParameters") or {}).get("room", "")
    if not ROOM.fullmatch(name):
        raise JoinRefused("join with ?room=<1-64 of A-Z a-z 0-9 _ . ->")
    return rooms.id_from_name(name)


def _on_message(event: dict[str, Any], route: str, room: Any) -> None:
    connection = event["requestContext"]["connectionId"]
    if room is None:
        reply(event, {"type": "error", "error": "this connection is not in a room"})
    elif route == "history":
        room.history(connection)
    elif (text := _text(event.get("body"))) is None:
        reply(event, {"type": "error", "error": f'send {{"message": "<1-{MAX_MESSAGE} characters>"}} '
                                                 f'or {{"action": "history"}}'})
    else:
        room.post(text, connection)


socket_handler = websocket_handler(rooms, _room_to_join, _on_message)


def publish_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    name = (event.get("pathParameters") or {}).get("name", "")
    text = _text(event.get("body"))
    if not ROOM.fullmatch(name) or text is None:
        return {"statusCode": 400, "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"error": f'POST /rooms/<room>/publish with {{"message": "<1-{MAX_MESSAGE} characters>"}}'})}
    sender = (json.loads(event["body"]) or {}).get("from") or "server"
    try:
        seq = _room(name).post(text, str(sender)[:64])
    except ObjectBusyError as exc:
        return {"statusCode": 503, "body": json.dumps({"error": str(exc)})}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"seq": seq})}
