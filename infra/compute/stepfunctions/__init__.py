"""Step Functions in the compute plane: moto's interpreter on the plane's clock.

``hooks.install()`` (done by ``infra.compute.moto_hooks.install``) makes Wait states, Retry
intervals, task timeouts, heartbeats and task tokens wait off the clock, and answers
StartSyncExecution. The plane asks ``in_flight()``, ``next_due()`` and ``wait_quiet()`` to drain
executions on a virtual clock (``settle_step``).
"""

from __future__ import annotations

from infra.compute.stepfunctions.parking import PARKING


def in_flight() -> int:
    """Executions at work or waiting for a due time (a Wait state, a Retry interval)."""
    return PARKING.in_flight()


def settle_step(step: float, now: float, others_in_flight: bool, until: float) -> float:
    """How far a settling plane advances its virtual clock: to the next due execution when only
    executions are waiting (an hour's Wait in one step), never past it otherwise, nor past ``until``."""
    wait_quiet()
    due = PARKING.next_due()
    if due is None:  # executions only at work (they have parked by now) or waiting for a task token
        return step if others_in_flight else 0.0
    if due <= now:
        wait_quiet()
        return 0.0
    return max(0.0, min(step if others_in_flight else due - now, due - now, until - now))


def forget_clients() -> None:
    """Drop the Task integrations' reused clients (a closing plane: the next one has its own mock)."""
    from infra.compute.stepfunctions.hooks import TASK_CLIENTS

    TASK_CLIENTS.clear()


def wait_quiet(timeout: float = 60.0) -> bool:
    """Wake executions whose due time has come, then wait (real time) until none is at work."""
    PARKING.nudge()
    return PARKING.wait_quiet(timeout)
