"""What is active in this process, in one place: the compute plane moto's hooks hand work to, and
the WebSocket front door whose sockets the management API reaches.

A compute plane makes itself active when it starts (embedded, ``up``) and steps down when it
closes; while it is active, handler-side code reads its clock (``handler_runtime``). moto's hooks
(infra/compute/moto_hooks/) ask ``plane()`` and fall back to moto's own behaviour when it is None.
"""

from __future__ import annotations

from typing import Any, Protocol

from infra.compute import handler_runtime
from infra.compute.clock import Clock


class Plane(Protocol):
    clock: Clock

    def now(self) -> float: ...
    def invoke_moto_function(self, fn: Any, event: Any) -> tuple[str, bool, str]: ...
    def invoke_async(self, function_arn: str, event: dict[str, Any]) -> None: ...


_plane: Plane | None = None
_connections: Any = None  # the WebSocket front door serving connections (infra/compute/websocket)


def activate(plane: Plane) -> None:
    """``plane`` runs this process's Lambda code and event sources; handlers read its clock."""
    global _plane
    _plane = plane
    handler_runtime.provide_clock(plane.clock)


def deactivate(plane: Plane) -> bool:
    """``plane`` steps down if it is the active one (True then); handlers go back to the wall clock."""
    global _plane
    if _plane is not plane:
        return False
    _plane = None
    handler_runtime.withdraw_clock(plane.clock)
    return True


def plane() -> Plane | None:
    return _plane


def clock() -> Clock | None:
    """The active plane's clock (None without one: the wall clock then)."""
    return _plane.clock if _plane is not None else None


def serve_connections(door: Any) -> None:
    """``door`` answers the management API's calls (post_to_connection & co) from now on."""
    global _connections
    _connections = door


def stop_serving_connections(door: Any) -> None:
    global _connections
    if _connections is door:
        _connections = None


def connections() -> Any:
    return _connections
