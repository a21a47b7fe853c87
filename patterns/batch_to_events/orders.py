"""A day of orders for the demo, and the model of what their totals must be.

Orders come at random times of one UTC day, more at lunch and in the evening, from a handful of
stores (a fixed seed: every run sends the same day); a few are not well formed and must be
rejected by every way (a negative amount, no store, a fraction of a cent).
"""

from __future__ import annotations

import random
from typing import Any

STORES = ("berlin", "lisbon", "madrid", "oslo", "paris", "rome", "vienna", "warsaw")
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 6, 8, 8, 9, 12, 16, 14, 9, 8, 9, 11, 14, 15, 12, 8, 4, 2)
DAY = 86400


def day_of_orders(day_start: float, count: int, seed: int = 16) -> list[dict[str, Any]]:
    """``count`` well-formed orders plus three bad ones, sorted by time (``at``, seconds)."""
    rng = random.Random(seed)
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
    orders: list[dict[str, Any]] = [
        {"order_id": f"o-{i:06d}", "store": rng.choice(STORES), "amount_cents": rng.randint(150, 25_000),
         "at": day_start + hour * 3600 + rng.randint(0, 3599)} for i, hour in enumerate(hours)]
    middle = day_start + DAY / 2
    orders += [{"order_id": "bad-negative", "store": "rome", "amount_cents": -500, "at": middle + 11},
               {"order_id": "bad-no-store", "amount_cents": 1200, "at": middle + 23},
               {"order_id": "bad-fraction", "store": "oslo", "amount_cents": 12.5, "at": middle + 37}]
    return sorted(orders, key=lambda order: (order["at"], order["order_id"]))


def well_formed(order: dict[str, Any]) -> bool:
    amount = order.get("amount_cents")
    return bool(order.get("store")) and isinstance(amount, int) and amount >= 0


def expected_totals(orders: list[dict[str, Any]], day: str) -> dict[str, tuple[int, int]]:
    """``{store: (cents, orders)}`` for the well-formed orders of the day."""
    from datetime import datetime, timezone

    totals: dict[str, tuple[int, int]] = {}
    for order in orders:
        if well_formed(order) and datetime.fromtimestamp(order["at"], timezone.utc).strftime("%Y-%m-%d") == day:
            cents, count = totals.get(order["store"], (0, 0))
            totals[order["store"]] = (cents + order["amount_cents"], count + 1)
    return totals
