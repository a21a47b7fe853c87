"""The WebSocket front door: deployed API Gateway WebSocket APIs served as real WebSockets."""

from __future__ import annotations

from infra.compute.websocket.server import WebSocketFrontDoor

__all__ = ["WebSocketFrontDoor"]
