"""Powertools' REST/HTTP event resolvers keep the event they are resolving on their base class
(``BaseRouter.current_event = ...`` in ``ApiGatewayResolver.resolve``, then routing by it): one
per process, which is right on Lambda, where a process runs one invocation at a time. Here warm
environments of one function run concurrently in one process and share the
``aws_lambda_powertools`` module, so an invocation could route by another's event (``GET
/orders/A`` answered with order B; found by ``benchmarks/soak.py``). Installed when a handler
module has imported the resolver, ``current_event`` and ``lambda_context`` become per thread
(each invocation runs on its own thread), on the class and on its instances alike.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

_RESOLVER_MODULE = "aws_lambda_powertools.event_handler.api_gateway"
_NAMES = ("current_event", "lambda_context")
_per_thread = threading.local()
_lock = threading.Lock()


class _PerThread:
    """A data descriptor whose value is the calling thread's own."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        try:
            return getattr(_per_thread, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: Any, value: Any) -> None:
        setattr(_per_thread, self.name, value)


def install_if_loaded() -> None:
    """Make the resolver's current event per thread, if a handler has imported it (cheap otherwise)."""
    module = sys.modules.get(_RESOLVER_MODULE)
    if module is None:
        return
    base = module.BaseRouter
    with _lock:
        if isinstance(base.__dict__.get(_NAMES[0]), _PerThread):
            return
        for name in _NAMES:  # read through the class's instances ...
            type.__setattr__(base, name, _PerThread(name))
        # ... and written and read on the class itself (``BaseRouter.current_event = ...``): a data
        # descriptor on the metaclass comes before the class's own dictionary
        base.__class__ = type(f"PerThread{type(base).__name__}", (type(base),),
                              {name: _PerThread(name) for name in _NAMES})
