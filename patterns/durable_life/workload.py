"""Durable Objects on AWS: multiplayer Game of Life, GameRoom objects ticking on alarms and streaming live cells over WebSockets.

The demo creates a room through the lobby, connects two players, places a glider, lets the room
tick on its alarm (EventBridge Scheduler fired by the compute plane's clock), and checks that
both players received the same frames and that the glider moved as Life says it must.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any, Callable, Iterator

from websockets.sync.client import connect

from infra.workload import Invariant, Observed, Operation
from patterns.api_client import api_url, call, websocket_url

OPERATION = Operation("generation")
GLIDER = [[1, 0], [2, 1], [0, 2], [1, 2], [2, 2]]
FRAMES = 4


def urls(cloud: Any, stack: Any) -> tuple[str, str]:
    return websocket_url(cloud, stack), api_url(cloud, stack)


@contextlib.contextmanager
def serve_extras(cloud: Any, stack: Any, say: Callable[[str], None]) -> Iterator[None]:
    """For ``samplecli.py serve durable-life``: the page's URL, told where the WebSocket API is."""
    socket_url, base = urls(cloud, stack)
    say(f"play in a browser: {base}/?ws={socket_url}")
    yield


def advance(cloud: Any, seconds: float) -> None:
    """On a virtual clock, move it on and fire the alarms now due; on the wall clock the compute
    plane (or AWS) fires them as time passes, so there is nothing to do."""
    clock = cloud.clock
    if getattr(clock, "virtual", False):
        clock.advance(seconds)
        cloud.plane.run_until_idle()


def frames(ws: Any, count: int, cloud: Any, timeout: float = 30.0) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    misses = 0  # a tick at a time; doubling (up to a minute) while no frame comes: a failed alarm is retried 60 s later
    while len(got) < count and time.monotonic() < deadline:
        try:
            frame = json.loads(ws.recv(timeout=0.05))
        except TimeoutError:
            advance(cloud, min(0.5 * 2 ** max(0, misses - 3), 60.0))
            misses += 1
            continue
        misses = 0
        if frame.get("type") == "cells":
            got.append(frame)
    return got


def run(cloud: Any, stack: Any, progress: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    socket_url, base = urls(cloud, stack)
    started = time.perf_counter()
    room = call("POST", f"{base}/rooms").body["id"]
    listed = call("GET", f"{base}/rooms").body["rooms"]
    page = call("GET", f"{base}/")
    with contextlib.ExitStack() as sockets:
        ann = sockets.enter_context(connect(f"{socket_url}?room={room}"))
        bob = sockets.enter_context(connect(f"{socket_url}?room={room}"))
        ann.send(json.dumps({"action": "place", "cells": GLIDER}))
        placed = json.loads(ann.recv(timeout=10))
        progress(f"room {room[:8]}: two players, a glider placed ({placed})")
        seen_by_ann = frames(ann, FRAMES, cloud)
        seen_by_bob = frames(bob, FRAMES, cloud)
        bob.send(json.dumps({"action": "place", "cells": "not a list"}))
        refused = json.loads(bob.recv(timeout=10))
        while refused.get("type") == "cells":
            refused = json.loads(bob.recv(timeout=10))
    common = min(len(seen_by_ann), len(seen_by_bob))
    generations = [f["generation"] for f in seen_by_ann]
    observed = Observed(ordering="generations in order, the same frames for both players",
                        duplicates=len(generations) - len(set(generations)),
                        isolated_failures=int(refused.get("type") == "error"))
    return {"operations": max(1, len(seen_by_ann)), "observed": observed,"room_listed": room in listed, "page_is_html": "<canvas" in str(page.body),
            "placed": placed, "ann": seen_by_ann, "bob": seen_by_bob,
            "same_frames": seen_by_ann[:common] == seen_by_bob[:common] and common > 0,
            "refused": refused.get("type"), "seconds": time.perf_counter() - started}


def glider_after(generations: int) -> list[list[int]]:
    """Where Life says the glider is after ``generations`` (it moves one cell diagonally every 4)."""
    import sys
    from pathlib import Path

    shared = Path(__file__).resolve().parents[2] / "functions"
    for path in (shared / "durable_life", shared / "shared"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from life import step

    cells = {tuple(c) for c in GLIDER}
    for _ in range(generations):
        cells = step(cells)
    return sorted([list(c) for c in cells])


def outcome(result: dict[str, Any]) -> dict[str, Any]:
    frames_ok = all(sorted(f["cells"]) == glider_after(f["generation"]) for f in result["ann"] + result["bob"])
    return {"room_listed": result["room_listed"], "page_is_html": result["page_is_html"],
            "frames": len(result["ann"]) >= FRAMES and len(result["bob"]) >= FRAMES,
            "same_frames": result["same_frames"], "glider_moves_as_life_says": frames_ok,
            "refused": result["refused"]}


def summary_lines(result: dict[str, Any]) -> list[str]:
    checks = outcome(result)
    generations = [f["generation"] for f in result["ann"]]
    return [f"two players, {len(result['ann'])} frames each (generations {generations}) in {result['seconds']:.2f} s",
            f"  same frames for both: {checks['same_frames']}; the glider moved as Life says: "
            f"{checks['glider_moves_as_life_says']}; a bad placement answered {checks['refused']!r}",
            f"  lobby lists the room: {checks['room_listed']}; the page is served: {checks['page_is_html']}"]


def invariants(result: dict[str, Any]) -> list[Invariant]:
    """One room, one world: both players see the same generations, each one as Life computes it."""
    checks = outcome(result)
    return [Invariant("both players receive the frames", checks["frames"],
                      f"{len(result['ann'])} and {len(result['bob'])} frames"),
            Invariant("both players see the same frames", checks["same_frames"]),
            Invariant("every frame is the glider as Life computes it", checks["glider_moves_as_life_says"]),
            Invariant("a malformed placement is refused, the room goes on", checks["refused"] == "error",
                      str(checks["refused"]))]
