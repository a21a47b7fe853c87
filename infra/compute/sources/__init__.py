"""Event sources: one family, one small interface, one module per source.

A *source kind* is a module of this package with a ``SERVICE`` (the service named in an event
source mapping's ``EventSourceArn``: ``sqs``, ``kinesis``, ``dynamodb``) and three functions:

    build(esm, ctx) -> EventSource     # from a ListEventSourceMappings entry
    check(props) -> str | None         # why a mapping with these properties cannot run here
    install_moto_hooks() -> None       # switch off moto's own shortcut for this source

Kinds are found, not registered: adding a source is one module (and its tests). ``family.py``
runs every enabled mapping of the control plane through its kind; a mapping no kind runs fails
the deploy (``check_mapping``, called by the toolkit's deployer).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any, Callable, Protocol

from infra.compute.executor import InvocationResult
from infra.exceptions import ToolkitError

Invoke = Callable[[str, dict[str, Any]], InvocationResult]


class UnsupportedEventSourceError(ToolkitError):
    """An event source mapping names a source, or a setting, the compute plane does not run."""


@dataclass
class SourceContext:
    """What a source needs from the compute plane."""

    clients: Callable[[str], Any]  # boto3 clients of the target
    invoke: Invoke  # synchronous invocation of a function (by ARN) with an event
    now: Callable[[], float]  # the plane's clock
    account_id: str
    region: str


class EventSource(Protocol):
    """One enabled event source mapping, delivering with its source's semantics."""

    uuid: str

    def poll_once(self) -> int:
        """Deliver what is due now; returns the records handled (delivered, or given up on)."""
        ...

    def in_flight(self) -> int:
        """Records not yet handled: queued, read but unprocessed, held by a failing batch."""
        ...

    def next_deadline(self) -> float | None:
        """When something becomes due without new input (a batching window, a retry), if known."""
        ...

    def reconfigure(self, esm: dict[str, Any]) -> None:
        """Take the mapping's new settings (UpdateEventSourceMapping), keeping what was read and
        where the source stands."""
        ...

    def workers(self) -> dict[str, Callable[[], int]]:
        """Independent units of work for background threads, by a name that stays the same (a
        queue; a shard, or a shard's lane): each call delivers what is due and returns what it
        handled, 0 meaning wait a little. Asked again as the source grows (a new shard)."""
        ...


def service_of(event_source_arn: str) -> str:
    """The service in an ARN (``arn:aws:kinesis:...`` -> ``kinesis``)."""
    parts = event_source_arn.split(":")
    return parts[2] if len(parts) > 2 and parts[0] == "arn" else ""


@lru_cache(maxsize=1)
def kinds() -> dict[str, ModuleType]:
    """Every source kind of this package, by service."""
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        service = getattr(module, "SERVICE", None)
        if service:
            found[service] = module
    return found


def kind_for(event_source_arn: str) -> ModuleType | None:
    return kinds().get(service_of(event_source_arn))


def check_mapping(props: dict[str, Any]) -> None:
    """Raise UnsupportedEventSourceError when the compute plane cannot run this mapping
    (CreateEventSourceMapping's properties, as the deployer passes them)."""
    arn = str(props.get("EventSourceArn", ""))
    kind = kind_for(arn)
    if kind is None:
        supported = ", ".join(sorted(kinds()))
        raise UnsupportedEventSourceError(
            f"the compute plane runs no event source for {service_of(arn) or arn!r} "
            f"(event source mappings run here: {supported})")
    if props.get("FilterCriteria"):
        raise UnsupportedEventSourceError("FilterCriteria (event filtering) is not run by the compute plane")
    problem = kind.check(props)
    if problem:
        raise UnsupportedEventSourceError(problem)


def install_moto_hooks() -> None:
    """Every kind switches off moto's own shortcut for its source (moto_hooks.install calls this)."""
    for kind in kinds().values():
        kind.install_moto_hooks()
    from infra.compute.sources.eventbridge import moto_events  # EventBridge rules: not a mapping kind

    moto_events.install_moto_hooks()


def enabled(esm: dict[str, Any]) -> bool:
    return esm.get("State", "Enabled") in ("Enabled", "Enabling", "Creating", "Updating")
