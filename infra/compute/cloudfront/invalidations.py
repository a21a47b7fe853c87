"""CreateInvalidation reaches the front doors as it is made: moto records the invalidation (and
answers it COMPLETED); this hook then tells every watching front door which paths to empty."""

from __future__ import annotations

import threading
from typing import Any, Callable

from infra.compute.moto_hooks import patches

Watcher = Callable[[str, list[str]], None]
_watchers: list[Watcher] = []
_lock = threading.Lock()


def _install() -> None:
    if not patches.claim(__name__):
        return
    from moto.cloudfront.models import CloudFrontBackend

    original = CloudFrontBackend.create_invalidation

    def create_invalidation(self: Any, dist_id: str, paths: list[str], caller_ref: str) -> Any:
        invalidation = original(self, dist_id, paths, caller_ref)
        for watcher in list(_watchers):
            watcher(dist_id, list(paths))
        return invalidation

    patches.patch(CloudFrontBackend, "create_invalidation", create_invalidation)


def watch(watcher: Watcher) -> None:
    with _lock:
        _install()
        _watchers.append(watcher)


def unwatch(watcher: Watcher) -> None:
    with _lock:
        if watcher in _watchers:
            _watchers.remove(watcher)
