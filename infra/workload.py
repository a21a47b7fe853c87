"""What a pattern's ``workload.py`` provides: the demo ``run`` drives, and what must hold after it.

A workload module has ``run(cloud, stack, progress) -> result``, ``summary_lines(result)``,
``outcome(result)`` (what must come out the same on every target) and ``invariants(result)``
(what the pattern promises, checked from what the run observed in the stores; ``samplecli.py
run`` exits non-zero when one does not hold). ``serve_extras(cloud, stack, say)`` (a context
manager around ``serve``) is optional.

What ``samplecli.py compare`` measures per business operation (all optional, see infra/compare):
``OPERATION = Operation("upload")`` in the module names the pattern's business operation (and,
with ``need``, the patterns answering the same need, shown side by side); ``run``'s result then
gives ``operations`` (how many it performed), ``latencies_ms`` (one end-to-end latency per
operation, where the workload measures them) and ``observed`` (the guarantees it saw).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Protocol, TypedDict

if TYPE_CHECKING:
    from infra.cloud import Cloud
    from infra.deploy import Stack

Progress = Callable[[str], None]
Result = dict[str, Any]


@dataclass(frozen=True)
class Invariant:
    """One promise of the pattern and whether the run kept it (``detail`` says how it was seen)."""

    name: str
    held: bool
    detail: str = ""

    def line(self) -> str:
        return f"  {'held  ' if self.held else 'BROKEN'}  {self.name}" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class Operation:
    """The business operation a pattern is measured per: one upload, one API request, one increment.

    ``need``: patterns answering the same need (the two event-sourcing transports, a saga and
    chained Lambdas) give it the same text and are compared side by side; ``differs`` says what
    sets this pattern apart from the others with that need."""

    name: str
    need: str = ""
    differs: str = ""


class Observed(TypedDict, total=False):
    """Guarantees a run saw (``result["observed"]``): each one as counted, not as promised."""

    ordering: str            # e.g. "per counter: 1..n", "per room, same for every member"
    duplicates: int          # operations applied more than once
    losses: int              # operations that left no trace
    isolated_failures: int   # bad inputs refused or recorded while the rest went on


class Workload(Protocol):
    def run(self, cloud: Cloud, stack: Stack, progress: Progress = ...) -> Result: ...

    def summary_lines(self, result: Result) -> list[str]: ...

    def outcome(self, result: Result) -> dict[str, Any]: ...

    def invariants(self, result: Result) -> list[Invariant]: ...


class ServesExtras(Protocol):
    def serve_extras(self, cloud: Cloud, stack: Stack, say: Progress) -> ContextManager[None]: ...


def broken(invariants: list[Invariant]) -> list[Invariant]:
    return [item for item in invariants if not item.held]


def operation_of(workload: Any) -> Operation | None:
    """The workload module's declared business operation, if it declares one."""
    declared = getattr(workload, "OPERATION", None)
    return declared if isinstance(declared, Operation) else None


def operations_in(result: Result) -> int | None:
    """How many business operations a run performed, if the workload counts them."""
    count = result.get("operations")
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else None


def under_faults(cloud: Any) -> bool:
    """Whether the cloud's compute plane injects faults (``samplecli.py run --faults``): a workload
    then lets retries and redrives finish and checks what the pattern promises under faults."""
    return getattr(getattr(cloud, "plane", None), "faults", None) is not None


def queue_bodies(sqs: Any, queue_url: str) -> list[str]:
    """Every message body in a queue (a DLQ, after a run), read without deleting."""
    return [message["Body"] for message in queue_messages(sqs, queue_url)]


def queue_messages(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message in a queue (a DLQ, after a run), read without deleting: each one is
    received once (hidden while the rest are read), then made visible again."""
    received: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=43200,
                                       WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            break
        received += messages
    for start in range(0, len(received), 10):
        sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(received[start:start + 10])])
    return received
