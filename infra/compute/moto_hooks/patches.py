"""Every attribute the toolkit's hooks replace in moto, botocore and boto3, recorded so that
``restore()`` puts each original back (the last patch first).

A hook module installs through ``claim`` and ``patch``:

    def install() -> None:
        if not patches.claim(__name__):   # installed already (until the next restore)
            return
        original = Backend.method
        ...
        patches.patch(Backend, "method", replacement)
"""

from __future__ import annotations

import threading
from typing import Any

_MISSING = object()
_applied: list[tuple[Any, str, Any]] = []  # (owner, name, what the owner itself held before)
_claimed: set[str] = set()
_undo: list[Any] = []  # what a hook did other than setting an attribute, to be undone on restore
_lock = threading.RLock()


def claim(hook: str) -> bool:
    """True the first time ``hook`` installs since the last ``restore`` (then it patches)."""
    with _lock:
        if hook in _claimed:
            return False
        _claimed.add(hook)
        return True


def patch(owner: Any, name: str, value: Any) -> None:
    """Set ``owner.name`` to ``value`` (a class or a module), remembering what it held."""
    with _lock:
        _applied.append((owner, name, vars(owner).get(name, _MISSING)))
        setattr(owner, name, value)


def on_restore(undo: Any) -> None:
    """Call ``undo()`` on restore (for a change that is not an attribute: an entry added to a list)."""
    with _lock:
        _undo.append(undo)


def restore() -> None:
    """Every patched attribute back as it was, and every hook free to install again."""
    with _lock:
        while _applied:
            owner, name, before = _applied.pop()
            if before is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, before)
        while _undo:
            _undo.pop()()
        _claimed.clear()


def applied() -> list[tuple[Any, str]]:
    """(owner, name) of each patch in place, oldest first."""
    with _lock:
        return [(owner, name) for owner, name, _ in _applied]
