"""The edge cache: entries by cache key, their TTL as CloudFront computes it from the cache
policy and the origin's Cache-Control / Expires, ages on the injectable clock, invalidation by
path (``*`` at the end matches any rest)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Hashable

from infra.compute.cloudfront.policies import CachePolicy
from infra.compute.http.messages import HttpResponse

CACHEABLE_STATUSES = frozenset({200, 203, 206, 300, 301, 410})
MAX_ENTRIES = 100_000


@dataclass
class Entry:
    response: HttpResponse
    stored_at: float
    ttl: float
    path: str

    def fresh(self, now: float) -> bool:
        return now - self.stored_at < self.ttl

    def age(self, now: float) -> int:
        return max(0, int(now - self.stored_at))

    def validators(self) -> list[tuple[str, str]]:
        """The conditional headers that ask the origin whether this copy is still good."""
        etag, modified = self.response.header("ETag"), self.response.header("Last-Modified")
        if etag:  # the stronger validator alone (a date has one-second granularity)
            return [("If-None-Match", etag)]
        return [("If-Modified-Since", modified)] if modified else []


def _directives(cache_control: str | None) -> dict[str, str]:
    found = {}
    for part in (cache_control or "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            found[name.lower()] = value.strip().strip('"')
    return found


def _seconds(value: str | None) -> float | None:
    try:
        return float(int(value)) if value is not None else None
    except ValueError:
        return None


def ttl(response: HttpResponse, policy: CachePolicy, now: float) -> float:
    """How long CloudFront keeps a 2xx/3xx answer (0: not at all), per
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html"""
    if not policy.caches or response.status not in CACHEABLE_STATUSES:
        return 0.0
    directives = _directives(response.header("Cache-Control"))
    if {"no-store", "no-cache", "private"} & directives.keys():
        return policy.min_ttl  # kept only when the policy insists on a minimum
    max_age = _seconds(directives.get("s-maxage")) if "s-maxage" in directives else _seconds(directives.get("max-age"))
    if max_age is None and response.header("Expires"):
        try:
            max_age = parsedate_to_datetime(response.header("Expires") or "").timestamp() - now
        except (TypeError, ValueError):
            max_age = 0.0  # an invalid Expires means already expired
    if max_age is None:
        return policy.default_ttl
    return min(max(max_age, policy.min_ttl), policy.max_ttl)


def error_ttl(response: HttpResponse, caching_min_ttl: float) -> float:
    """An error answer is kept for the distribution's ErrorCachingMinTTL (10 s by default), or
    the origin's max-age when it sends one."""
    directives = _directives(response.header("Cache-Control"))
    max_age = _seconds(directives.get("s-maxage") or directives.get("max-age"))
    return max_age if max_age is not None else caching_min_ttl


def matches(invalidation_path: str, path: str) -> bool:
    if invalidation_path.endswith("*"):
        return path.startswith(invalidation_path[:-1])
    return path == invalidation_path


class EdgeCache:
    def __init__(self) -> None:
        self._entries: dict[Hashable, Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Entry | None:
        return self._entries.get(key)

    def put(self, key: Hashable, entry: Entry) -> None:
        with self._lock:
            self._entries.pop(key, None)
            if len(self._entries) >= MAX_ENTRIES:  # the least recently stored goes first
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = entry

    def invalidate(self, distribution_id: str, paths: list[str]) -> int:
        """Empties the entries of the distribution whose path matches one of ``paths``."""
        with self._lock:
            gone = [key for key, entry in self._entries.items()
                    if key[0] == distribution_id and any(matches(p, entry.path) for p in paths)]  # type: ignore[index]
            for key in gone:
                del self._entries[key]
        return len(gone)

    def __len__(self) -> int:
        return len(self._entries)
