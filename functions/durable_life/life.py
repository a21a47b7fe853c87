"""Multiplayer Conway's Game of Life (the Durable Objects talk's demo): a Lobby object lists the
GameRoom ids; each GameRoom holds a 32x24 torus of live cells, takes placed cells from its
players and ticks with an alarm every 500 ms, sending the live cells to every connected client.

HTTP (REST API): ``GET /`` the page, ``GET /rooms`` the lobby's rooms, ``POST /rooms`` a new room.
WebSocket: connect with ``?room=<id>``; ``{"action": "place", "cells": [[x, y], ...]}`` places
cells; frames ``{"type": "cells", "room", "generation", "cells"}`` come on every tick.

Alarms fire on whole seconds (EventBridge Scheduler's resolution): a tick that fires late
advances as many generations as 500 ms periods have passed, so the game keeps its speed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from durable_objects import DurableObject, InvalidIdError, Namespace, alarm_handler, reply
from durable_objects.rooms import JoinRefused, Room, websocket_handler

WIDTH, HEIGHT = 32, 24
TICK = 0.5
MAX_CELLS_PER_PLACE = 200
MAX_ROOMS = 50


def step(cells: set[tuple[int, int]]) -> set[tuple[int, int]]:
    counts: dict[tuple[int, int], int] = {}
    for x, y in cells:
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                if dx or dy:
                    key = ((x + dx) % WIDTH, (y + dy) % HEIGHT)
                    counts[key] = counts.get(key, 0) + 1
    return {c for c, n in counts.items() if n == 3 or (n == 2 and c in cells)}


class Lobby(DurableObject):
    def add(self, room_id: str) -> list[str]:
        rooms = self.storage.get("rooms", [])
        if room_id not in rooms:
            rooms = (rooms + [room_id])[-MAX_ROOMS:]
            self.storage.put("rooms", rooms)
        return rooms

    def rooms(self) -> list[str]:
        return self.storage.get("rooms", [])


class GameRoom(Room):
    member_tag = "player"

    def join(self, connection_id: str) -> None:
        super().join(connection_id)
        if self.storage.get_alarm() is None:
            self.storage.set_alarm(self.state.namespace.now() + TICK)

    def place(self, cells: list[list[int]]) -> int:
        live = {tuple(c) for c in self.storage.get("cells", [])}
        live |= {(x % WIDTH, y % HEIGHT) for x, y in cells}
        self.storage.put("cells", sorted(live))
        return len(live)

    def snapshot(self) -> dict[str, Any]:
        return {"generation": self.storage.get("generation", 0), "cells": self.storage.get("cells", [])}

    def alarm(self) -> None:
        now = self.state.namespace.now()
        last = self.storage.get("ticked_at", now - TICK)
        ticks = max(1, min(20, int((now - last + 1e-6) / TICK)))
        live = {tuple(c) for c in self.storage.get("cells", [])}
        for _ in range(ticks):
            live = step(live)
        generation = self.storage.get("generation", 0) + ticks
        self.storage.put({"cells": sorted(live), "generation": generation, "ticked_at": last + ticks * TICK})
        players = self.state.websockets.broadcast(
            {"type": "cells", "room": self.state.id.hex, "generation": generation, "cells": sorted(live)}, tag=self.member_tag)
        if players:
            self.storage.set_alarm(max(now, last + (ticks + 1) * TICK))
        else:
            self.storage.delete("ticked_at")  # nobody watches: stop ticking until someone joins


lobby = Namespace(Lobby)
rooms = Namespace(GameRoom)
alarm = alarm_handler(rooms)
PAGE = (Path(__file__).with_name("page.html")).read_text(encoding="utf-8")


def _json(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def http_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    method, resource = event.get("httpMethod"), event.get("resource")
    the_lobby = lobby.get(lobby.id_from_name("lobby"))
    if method == "GET" and resource == "/":
        socket_url = (event.get("queryStringParameters") or {}).get("ws") or os.environ.get("WEBSOCKET_URL", "")
        return {"statusCode": 200, "headers": {"Content-Type": "text/html; charset=utf-8"},
                "body": PAGE.replace("__WEBSOCKET_URL__", json.dumps(socket_url))}
    if method == "GET" and resource == "/rooms":
        return _json(200, {"rooms": the_lobby.rooms()})
    if method == "POST" and resource == "/rooms":
        room = rooms.new_unique_id()
        return _json(201, {"id": room.hex, "rooms": the_lobby.add(room.hex)})
    return _json(404, {"error": f"no route {method} {resource}"})


def _room_to_join(event: dict[str, Any]) -> Any:
    try:
        return rooms.id_from_string((event.get("queryStringParameters") or {}).get("room", ""))
    except InvalidIdError:
        raise JoinRefused("connect with ?room=<a room id from POST /rooms>") from None


def _on_message(event: dict[str, Any], route: str, room: Any) -> None:
    try:
        message = json.loads(event.get("body") or "")
        cells = message["cells"] if route == "place" else None
        valid = (isinstance(cells, list) and 0 < len(cells) <= MAX_CELLS_PER_PLACE
                 and all(isinstance(c, list) and len(c) == 2 and all(isinstance(v, int) for v in c) for c in cells))
    except (ValueError, KeyError, TypeError):
        valid = False
    if room is None or not valid:
        reply(event, {"type": "error", "error": f'send {{"action": "place", "cells": [[x, y], ...]}} '
                                                 f'(1-{MAX_CELLS_PER_PLACE} cells)'})
        return
    reply(event, {"type": "placed", "live": room.place(cells)})


socket_handler = websocket_handler(rooms, _room_to_join, _on_message)
