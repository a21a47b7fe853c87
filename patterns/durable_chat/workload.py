"""Durable Objects on AWS: chat rooms over an API Gateway WebSocket API, every member sees every message in the same order.

The demo connects four members to room "general" and one to "random", has every member send
messages at the same time and a server publish over the REST API, then checks that every member
of a room received the same messages in the same order, numbered 1..n per room, and that a late
joiner gets the recent history. A malformed message is answered with an error, not a drop.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any, Callable

from websockets.sync.client import connect

from infra.workload import Invariant, Observed, Operation
from patterns.api_client import api_url, call, websocket_url

OPERATION = Operation("chat message")
MEMBERS = 4
EACH = 5
PUBLISHED = 2


def urls(cloud: Any, stack: Any) -> tuple[str, str]:
    return websocket_url(cloud, stack), api_url(cloud, stack)


def receive(ws: Any, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
    """The next ``count`` chat messages (type "message") on ``ws``."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        frame = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if frame.get("type") == "message":
            got.append(frame)
    return got


def run(cloud: Any, stack: Any, progress: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    socket_url, base = urls(cloud, stack)
    expected = MEMBERS * EACH + PUBLISHED
    started = time.perf_counter()
    with contextlib.ExitStack() as sockets:
        members = [sockets.enter_context(connect(f"{socket_url}?room=general")) for _ in range(MEMBERS)]
        loner = sockets.enter_context(connect(f"{socket_url}?room=random"))
        progress(f"{MEMBERS} members in 'general', 1 in 'random'; everyone sends {EACH} messages at once")
        received: list[list[dict[str, Any]]] = [[] for _ in members]

        def member(i: int) -> None:
            for n in range(EACH):
                members[i].send(json.dumps({"message": f"member {i} says {n}"}))
            received[i] = receive(members[i], expected)

        threads = [threading.Thread(target=member, args=(i,)) for i in range(MEMBERS)]
        for thread in threads:
            thread.start()
        loner.send(json.dumps({"message": "anyone here?"}))
        published = [call("POST", f"{base}/rooms/general/publish", {"message": f"announcement {n}", "from": "ops"})
                     for n in range(PUBLISHED)]
        for thread in threads:
            thread.join(60)
        alone = receive(loner, 1)
        loner.send("not json")
        malformed = json.loads(loner.recv(timeout=10))
        with connect(f"{socket_url}?room=general") as late:
            late.send(json.dumps({"action": "history"}))
            history = json.loads(late.recv(timeout=10))
    seconds = time.perf_counter() - started
    orders = [[(m["seq"], m["message"]) for m in got] for got in received]
    seqs = [[seq for seq, _ in order] for order in orders]
    observed = Observed(ordering="one order per room, the same for every member",
                        duplicates=sum(len(s) - len(set(s)) for s in seqs),
                        losses=sum(max(0, expected - len(set(s))) for s in seqs),
                        isolated_failures=int(malformed.get("type") == "error"))
    return {"operations": MEMBERS * EACH + PUBLISHED + 1, "observed": observed,"orders": orders, "expected": expected, "random": [(m["seq"], m["message"]) for m in alone],
            "published": [p.status for p in published], "malformed": malformed,
            "history": [m["seq"] for m in history.get("messages", [])], "seconds": seconds}


def outcome(result: dict[str, Any]) -> dict[str, Any]:
    orders = result["orders"]
    return {"members": len(orders), "messages_each": [len(o) for o in orders],
            "same_order": all(o == orders[0] for o in orders),
            "seq_1_to_n": all([s for s, _ in o] == list(range(1, result["expected"] + 1)) for o in orders),
            "random": result["random"], "published": result["published"],
            "malformed": result["malformed"].get("type"), "history": result["history"]}


def summary_lines(result: dict[str, Any]) -> list[str]:
    checks = outcome(result)
    return [f"{checks['members']} members x {result['expected']} messages in {result['seconds']:.2f} s: "
            f"same order for all: {checks['same_order']}, seq 1..{result['expected']}: {checks['seq_1_to_n']}",
            f"  room 'random' kept its own numbering: {result['random']}",
            f"  POST /rooms/general/publish: {result['published']}; a malformed message answered "
            f"{checks['malformed']!r}; a late joiner's history: seq {result['history'][:3]}...{result['history'][-2:]}"]


def invariants(result: dict[str, Any]) -> list[Invariant]:
    """One order per room, seen the same by every member, nothing lost or repeated."""
    checks = outcome(result)
    return [Invariant("every member receives every message of the room", checks["messages_each"] ==
                      [result["expected"]] * MEMBERS, f"{checks['messages_each']} (expected {result['expected']} each)"),
            Invariant("every member sees the same order", checks["same_order"]),
            Invariant("sequence numbers run 1..n without gaps or repeats", checks["seq_1_to_n"]),
            Invariant("another room keeps its own numbering", [s for s, _ in result["random"]] == [1],
                      str(result["random"])),
            Invariant("publishing over HTTP is accepted", all(s == 200 for s in result["published"]),
                      str(result["published"]))]
