"""Fault injection in the compute plane: what AWS does to a serverless application on a bad day.

Off by default. ``enable(plane, rate, seed)`` turns it on for one compute plane (the embedded
``run``, tests); ``samplecli.py run PATTERN --faults RATE [--seed N]`` does it from the CLI.
Each kind of fault happens at ``rate`` at its own decision points, drawn from its own
``random.Random`` seeded from ``seed``, so a run is reproducible (injector.py). The kinds:

- at the event-driven invocations (event source batches, asynchronous invocations), deliveries.py:
  ``lambda_throttle`` (TooManyRequestsException: the handler does not run; the source or the
  asynchronous queue retries as AWS does), ``handler_error`` (an Unhandled error before the
  handler runs), ``handler_timeout`` (the handler runs, then "Task timed out after N seconds":
  its effects stay, its answer is lost; the clock moves by the Timeout), ``batch_crash`` (the
  handler processes part of an SQS/Kinesis/DynamoDB-stream batch, then its runtime dies) and
  ``duplicate_delivery`` (the source delivers the same batch or event once more);
- at the handlers' own AWS calls (service.py, a moto hook): ``dynamodb_throttle``
  (ProvisionedThroughputExceededException) and ``service_5xx`` (InternalError /
  ServiceUnavailable), answered before the operation runs, so boto3's retries apply as on AWS.

Synchronous invocations (API Gateway, WebSocket, direct Invoke) get the service faults only:
Lambda does not retry them, the caller sees the error.
"""

from __future__ import annotations

from infra.compute.faults.injector import KINDS, FaultInjector, parse_rate

__all__ = ["KINDS", "FaultInjector", "parse_rate", "enable", "disable", "active"]

_active: FaultInjector | None = None


def enable(plane: object, rate: float, seed: int = 0, kinds: tuple[str, ...] | None = None) -> FaultInjector:
    """Inject faults at ``rate`` into ``plane`` (a ComputePlane) and the handlers' AWS calls
    (``kinds``: only these kinds of fault; default all)."""
    global _active
    from infra.compute.faults import service

    injector = FaultInjector(rate, seed, kinds)
    service.install()
    plane.faults = injector  # type: ignore[attr-defined]
    _active = injector
    return injector


def disable(plane: object) -> None:
    global _active
    if getattr(plane, "faults", None) is _active:
        _active = None
    plane.faults = None  # type: ignore[attr-defined]


def active() -> FaultInjector | None:
    """The injector the handlers' AWS calls are subject to (None: no faults)."""
    return _active
