"""What a reader of the Totals table sees, and when: after every step of the simulated day the
demo looks at what each way has written (an applied order, a closed window, a nightly run) and
notes, per order, the time on the plane's clock its total first included it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from boto3.dynamodb.conditions import Key


class Visibility:
    def __init__(self, totals_table: Any, day: str) -> None:
        self.table = totals_table
        self.day = day
        self.arrived: dict[str, float] = {}
        self.window_of: dict[str, tuple[str, str]] = {}  # order -> (window start, shard)
        self.by_window: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.visible: dict[str, dict[str, float]] = {"batch": {}, "windows": {}, "events": {}}
        self._closed_windows: set[str] = set()  # a retried window may close after later ones

    def arrive(self, order_id: str, at: float, window_start: str, shard: str) -> None:
        self.arrived[order_id] = at
        self.window_of[order_id] = (window_start, shard)
        self.by_window[(window_start, shard)].append(order_id)

    def look(self, now: float, ways: set[str]) -> None:
        """Look at what the given ways (those that ran since the last look) have made visible."""
        if "events" in ways:
            for order_id in [o for o in self.arrived if o not in self.visible["events"]]:
                if "Item" in self.table.get_item(Key={"way": "events#applied", "key": order_id}):
                    self.visible["events"][order_id] = now
        if "windows" in ways:
            query = {"KeyConditionExpression": Key("way").eq("windows#closed")}
            for item in self.table.query(**query)["Items"]:
                if item["key"] in self._closed_windows:
                    continue
                self._closed_windows.add(item["key"])
                start, shard = item["key"].rsplit("#", 1)
                for order_id in self.by_window.get((start, shard), []):
                    self.visible["windows"].setdefault(order_id, now)
        if "batch" in ways and len(self.visible["batch"]) < len(self.arrived):
            if "Item" in self.table.get_item(Key={"way": "batch#runs", "key": self.day}):
                for order_id in self.arrived:
                    self.visible["batch"].setdefault(order_id, now)

    def latencies(self, way: str, handler_seconds: dict[float, float]) -> list[float]:
        """Arrival to visible, per order: the wait on the plane's clock plus the own time of the
        invocation that wrote the total (the clock stands still while a handler runs)."""
        return sorted(t - self.arrived[o] + handler_seconds.get(t, 0.0) for o, t in self.visible[way].items())


def handler_seconds(invocations: list[dict[str, Any]], function: str) -> dict[float, float]:
    """The longest invocation of the function started at each instant of the plane's clock."""
    longest: dict[float, float] = {}
    for item in invocations:
        if item["function"] == function and "started_at" in item:
            at = item["started_at"]
            longest[at] = max(longest.get(at, 0.0), item["duration_ms"] / 1000)
    return longest


def peak_concurrency(invocations: list[dict[str, Any]], function: str) -> int:
    """Invocations of the function that ran at once: each one spans [started_at, started_at +
    duration] on the plane's clock (a virtual clock stands still while a handler runs, so
    invocations started at the same instant count as concurrent, as the shards' would be)."""
    edges = []
    for item in invocations:
        if item["function"] == function and "started_at" in item:
            edges += [(item["started_at"], 1), (item["started_at"] + item["duration_ms"] / 1000, -1)]
    peak = current = 0
    for _, change in sorted(edges, key=lambda edge: (edge[0], -edge[1])):
        current += change
        peak = max(peak, current)
    return peak


def totals_of(table: Any, way: str, day: str) -> dict[str, list[int]]:
    items = table.query(KeyConditionExpression=Key("way").eq(way) & Key("key").begins_with(f"{day}#"))["Items"]
    return {item["key"].split("#", 1)[1]: [int(item["total_cents"]), int(item["orders"])] for item in items}


def rejected_by(table: Any, way: str, day: str) -> int:
    if way == "batch":
        run = table.get_item(Key={"way": "batch#runs", "key": day}).get("Item") or {}
        return int(run.get("rejected", 0))
    if way == "windows":
        items = table.query(KeyConditionExpression=Key("way").eq("windows#closed"))["Items"]
        return sum(int(item.get("rejected", 0)) for item in items)
    return len(table.query(KeyConditionExpression=Key("way").eq("events#rejected"))["Items"])
