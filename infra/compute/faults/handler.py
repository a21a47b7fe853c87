"""Faults inside one invocation: an error before the handler runs, a timeout after it ran, a crash
half-way through a batch. The executor calls ``HandlerFault.run`` in place of the handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from infra.compute.clock import Clock

BATCH_SOURCES = ("aws:sqs", "aws:kinesis", "aws:dynamodb")


class InjectedTimeout(Exception):
    """The invocation ran past its Timeout (the executor reports Lambda's "Task timed out")."""


class InjectedError(Exception):
    """An error the handler raised (injected): Lambda reports it as an Unhandled function error."""


# Lambda's errorType when the runtime process dies mid-invocation
RuntimeExitError = type("Runtime.ExitError", (Exception,), {"__module__": __name__})


def batch_records(event: Any) -> list[Any] | None:
    """The records of an SQS / Kinesis / DynamoDB-stream batch event, else None."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records or not isinstance(records[0], dict):
        return None
    return records if records[0].get("eventSource") in BATCH_SOURCES else None


@dataclass(frozen=True)
class HandlerFault:
    """What goes wrong in one invocation: ``kind`` is handler_error, handler_timeout or batch_crash."""

    kind: str
    clock: Clock
    timeout: float
    processed: int = 0  # batch_crash: the records handled before the runtime dies

    def run(self, handler: Callable[[Any, Any], Any], event: Any, context: Any) -> Any:
        if self.kind == "handler_error":
            raise InjectedError("injected fault: the handler failed before doing anything")
        if self.kind == "batch_crash":
            handler({**event, "Records": event["Records"][:self.processed]}, context)
            raise RuntimeExitError(f"RequestId: {context.aws_request_id} Error: Runtime exited with error: "
                                   f"signal: killed (injected after {self.processed} of "
                                   f"{len(event['Records'])} records)")
        handler(event, context)  # handler_timeout: its effects stay, its answer never comes
        advance = getattr(self.clock, "advance", None)
        if advance is not None:
            advance(self.timeout)  # the invocation lasted its whole Timeout (virtual time, not slept)
        raise InjectedTimeout()
