"""StartSyncExecution: an Express workflow run to its end inside the call (moto has the
interpreter's ``SyncExecution`` but no API for it).

The execution runs on its own interpreter thread, like any other, so its waits are parked on the
clock; on a ``VirtualClock`` the caller is the one waiting, so it advances the clock to the
execution's next due time (a Retry interval, a Wait state) itself — within Express's five
minutes. Past five minutes of the clock the execution is stopped and answered TIMED_OUT.
"""

from __future__ import annotations

import datetime
import json
import threading
import uuid
from typing import Any

from moto.core.exceptions import AWSError

from infra.compute.stepfunctions.parking import PARKING, ClockThread, clock, owning

EXPRESS_MAX_SECONDS = 300.0


class StateMachineTypeNotSupported(AWSError):
    TYPE = "StateMachineTypeNotSupported"
    STATUS = 400

    def __init__(self) -> None:
        super().__init__("StartSyncExecution is only for EXPRESS state machines")


def start_sync_execution(backend: Any, state_machine_arn: str, name: str | None, execution_input: str,
                         trace_header: str | None = None) -> dict[str, Any]:
    from moto.stepfunctions.exceptions import InvalidExecutionInput
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.backend.execution import SyncExecution

    state_machine = backend.describe_state_machine(state_machine_arn)
    if state_machine.type != "EXPRESS":  # moto keeps the type in ``type`` (its ``sm_type`` is always STANDARD)
        raise StateMachineTypeNotSupported()
    try:
        json.loads(execution_input)
    except ValueError as exc:
        raise InvalidExecutionInput(str(exc)) from exc
    name = name or str(uuid.uuid4())
    arn = f"arn:{backend.partition}:states:{backend.region_name}:{backend.account_id}:express:" \
          f"{state_machine.name}:{name}:{uuid.uuid4()}"
    clk = clock()
    execution = SyncExecution(
        name=name, sm_type=state_machine.type, role_arn=state_machine.roleArn, exec_arn=arn,
        account_id=backend.account_id, region_name=backend.region_name, state_machine=state_machine,
        start_date=datetime.datetime.fromtimestamp(clk.now(), tz=datetime.timezone.utc),
        cloud_watch_logging_session=None, activity_store={}, input_data=execution_input,
        trace_header=trace_header)
    execution.exec_worker = execution._get_start_execution_worker()
    execution.exec_status = ExecutionStatus.RUNNING
    with owning(arn):
        thread = ClockThread(target=execution.exec_worker._execution_logic, daemon=True,
                             name=f"sync-execution-{name}")
    thread.start()
    _wait_for(execution, thread, clk.now() + EXPRESS_MAX_SECONDS)
    return execution.to_start_sync_execution_output()


def _wait_for(execution: Any, thread: ClockThread, deadline: float) -> None:
    clk = clock()
    arn = execution.exec_arn
    while True:
        threading.Thread.join(thread, 0.02)  # real time: the override waits on the clock
        if not thread.is_alive():
            return
        if clk.now() >= deadline:
            _time_out(execution, thread)
            return
        if getattr(clk, "virtual", False) and PARKING.wait_quiet(0.05, arn):
            # nobody else moves this clock for a synchronous caller: go to the next due time, or
            # (waiting for a callback Express does not have) to the end of the five minutes
            due = PARKING.next_due(arn)
            if due is None and PARKING.waiting_for_callback(arn):
                due = deadline
            if due is not None and due > clk.now():
                clk.advance(min(due, deadline) - clk.now())  # type: ignore[attr-defined]
                PARKING.nudge()


def _time_out(execution: Any, thread: ClockThread) -> None:
    from moto.stepfunctions.parser.api import SyncExecutionStatus

    execution.exec_worker.stop(stop_date=datetime.datetime.now(tz=datetime.timezone.utc),
                               error="States.Timeout", cause="The Express execution ran past five minutes")
    threading.Thread.join(thread, 5)
    execution.sync_execution_status = SyncExecutionStatus.TIMED_OUT
    execution.error = "States.Timeout"
