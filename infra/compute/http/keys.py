"""API keys and usage plans: a key must be enabled and in a usage plan of the API's stage; each
(plan, key) has a token bucket (rate, burst) and a quota per period, both on the injectable clock."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from infra.compute.http.model import UsagePlan

FORBIDDEN, THROTTLED, QUOTA_EXCEEDED = "forbidden", "throttled", "quota"


@dataclass
class _Bucket:
    tokens: float
    updated: float
    quota_used: int = 0
    quota_period_start: float = 0.0


def _period_start(epoch: float, period: str | None) -> float:
    day = datetime.fromtimestamp(epoch, timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "WEEK":
        day -= timedelta(days=day.weekday())
    elif period == "MONTH":
        day = day.replace(day=1)
    return day.timestamp()


class KeyCheck:
    """Looks API keys up by value (cached until ``refresh``) and meters them."""

    def __init__(self, apigw: Callable[[], Any], now: Callable[[], float]) -> None:
        self._apigw = apigw
        self._now = now
        self._keys: dict[str, tuple[str, bool]] | None = None  # value -> (id, enabled)
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._lock:
            self._keys = None

    def _lookup(self, value: str) -> tuple[str, bool] | None:
        with self._lock:
            keys = self._keys
        if keys is None:
            keys = {}
            position = None
            while True:
                page = self._apigw().get_api_keys(includeValues=True, **({"position": position} if position else {}))
                for key in page.get("items", []):
                    keys[key["value"]] = (key["id"], bool(key.get("enabled")))
                position = page.get("position")
                if not position:
                    break
            with self._lock:
                self._keys = keys
        return keys.get(value)

    def check(self, value: str | None, plans: list[UsagePlan]) -> tuple[str | None, str | None]:
        """(the key's id, None) when the request may pass, else (id or None, why not)."""
        if not value:
            return None, FORBIDDEN
        found = self._lookup(value)
        if found is None or not found[1]:
            return None, FORBIDDEN
        key_id = found[0]
        plan = next((p for p in plans if key_id in p.key_ids), None)
        if plan is None:
            return key_id, FORBIDDEN
        return key_id, self._meter(plan, key_id)

    def _meter(self, plan: UsagePlan, key_id: str) -> str | None:
        now = self._now()
        with self._lock:
            bucket = self._buckets.get((plan.id, key_id))
            if bucket is None:
                burst = float(plan.burst_limit or plan.rate_limit or 1)
                bucket = self._buckets[(plan.id, key_id)] = _Bucket(burst, now, 0, _period_start(now, plan.quota_period))
            if plan.quota_limit is not None:
                start = _period_start(now, plan.quota_period)
                if start > bucket.quota_period_start:
                    bucket.quota_period_start, bucket.quota_used = start, 0
                if bucket.quota_used >= plan.quota_limit:
                    return QUOTA_EXCEEDED
            if plan.rate_limit is not None:
                capacity = float(plan.burst_limit or max(1.0, plan.rate_limit))
                bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * plan.rate_limit)
                bucket.updated = now
                if bucket.tokens < 1.0:
                    return THROTTLED
                bucket.tokens -= 1.0
            bucket.quota_used += 1
        return None
