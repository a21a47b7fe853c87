"""Ports a command will listen on: checked before it does anything slow (deploying), or any free one."""

from __future__ import annotations

import socket

from infra.exceptions import ToolkitError


def require_free(host: str, port: int, option: str) -> None:
    """Raise a one-line ToolkitError naming ``option`` when ``host:port`` cannot be listened on
    (port 0, "any free one", always can)."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ToolkitError(f"{option} {port}: cannot listen on {host}:{port} ({exc.strerror or exc}); "
                               f"choose another port or 0 for any free one") from exc


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on at ``host`` now (the system's pick), for a server started next."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
