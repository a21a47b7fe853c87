"""The library's clock and AWS clients when a namespace is not given them: the handler's own
(``aws_runtime``, functions/shared/aws_runtime), named here as the library has always called them."""

from __future__ import annotations

from aws_runtime import client, now

__all__ = ["client", "now"]
