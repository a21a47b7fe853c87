"""Many requests per lease: while a Lambda holds an object's lease it serves the requests waiting
for that object in turn and commits their writes together.

Requests of one process (one DynamoDB client: a Lambda environment, or in the toolkit's compute
plane the functions sharing a role) for one object line up in a **mailbox**. The first of them
becomes the holder: it takes the object's lease (gate.py: contending with other processes through
DynamoDB), then takes up to ``MAX_BATCH`` waiting requests — its own first — and runs them one
after another on fresh instances over one shared view of the object's storage, each inside
``storage.transaction`` (a request that raises writes nothing; the next one sees the writes of
those before it, as on one Durable Object instance). Then it commits the batch: one
TransactWriteItems fenced by the lease, holding every write of the batch. Only after that commit
does any request of the batch get its reply (its result or its own error) and do its WebSocket
messages go out (the output gate). If the commit is refused because the lease was lost, every
request of the batch gets ``LeaseLostError`` and nothing of the batch was applied.

If more requests are waiting, the commit keeps the lease (and extends its expiry) and the holder
hands it, still held, to the next waiting request, which serves the next batch; the lease is
released by the commit of the batch after which nobody waits, or after ``MAX_PER_LEASE``
requests, so that Lambdas of other processes waiting for the object get their turn. A request
alone is the simple path: acquire, run, commit-and-release — three DynamoDB calls, as before.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from durable_objects.errors import ObjectBusyError, StorageLimitError
from durable_objects.gate import Gate, Lease
from durable_objects.storage import Storage, cache

if TYPE_CHECKING:
    from durable_objects import ids
    from durable_objects.objects import Namespace

MAX_BATCH = 64  # requests per commit (their writes share one transaction of at most 99 items)
MAX_PER_LEASE = 256  # requests served per lease before it is released for other processes
LINGER = 0.005  # seconds a holder that just served several requests keeps the lease for the next one


@dataclass(eq=False)
class Call:
    """One request for an object, waiting in the mailbox until it is served or asked to hold."""

    namespace: "Namespace"
    body: Callable[[Any], Any]
    deadline: float  # time.monotonic() after which a request not yet taken gives up (ObjectBusyError)
    wake: threading.Event = field(default_factory=threading.Event)
    holds: bool = False  # this request's thread is to serve the next batch
    lease: Lease | None = None  # handed over, still held, by the previous holder
    done: bool = False
    result: Any = None
    error: BaseException | None = None

    def resolve(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.done = result, error, True
        self.wake.set()

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


@dataclass
class _Line:
    pending: deque[Call] = field(default_factory=deque)
    held: bool = False  # a thread of this process is serving the object


class Mailbox:
    """Per object and process: the requests waiting, and whether one of them holds the object."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._posted = threading.Condition(self._lock)
        self._lines: dict[tuple[Any, ...], _Line] = {}

    def post(self, key: tuple[Any, ...], call: Call) -> None:
        """Queue the request; if nobody of this process serves the object, it is the one to."""
        with self._lock:
            line = self._lines.setdefault(key, _Line())
            line.pending.append(call)
            if not line.held:
                line.held = call.holds = True
            self._posted.notify_all()

    def take(self, key: tuple[Any, ...], limit: int) -> list[Call]:
        with self._lock:
            line = self._lines[key]
            return [line.pending.popleft() for _ in range(min(limit, len(line.pending)))]

    def put_back(self, key: tuple[Any, ...], calls: list[Call]) -> None:
        """Requests taken but not served (the batch was full): first in line again."""
        with self._lock:
            self._lines[key].pending.extendleft(reversed(calls))

    def waiting(self, key: tuple[Any, ...]) -> int:
        with self._lock:
            return len(self._lines[key].pending)

    def wait_for_request(self, key: tuple[Any, ...], timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a request to line up; True if one did."""
        with self._lock:
            return self._posted.wait_for(lambda: bool(self._lines[key].pending), timeout)

    def withdraw(self, key: tuple[Any, ...], call: Call, holder: bool = False) -> bool:
        """Take a request that is still waiting out of the line (its deadline passed, or, as the
        ``holder``, it could not take the lease)."""
        with self._lock:
            line = self._lines.get(key)
            if line is None or call not in line.pending or (call.holds and not holder):
                return False
            line.pending.remove(call)
            return True

    def hand_over(self, key: tuple[Any, ...], lease: Lease | None) -> bool:
        """The holder is done: the next waiting request serves next, with ``lease`` if it is still
        held (False: nobody waits, the caller must release it), else acquiring it anew."""
        with self._lock:
            line = self._lines[key]
            if not line.pending:
                line.held = False
                del self._lines[key]
                return lease is None
            successor = line.pending[0]
            successor.holds, successor.lease = True, lease
            successor.wake.set()
            return True


mailbox = Mailbox()


def run(namespace: "Namespace", object_id: "ids.ObjectId", body: Callable[[Any], Any]) -> Any:
    """``body(instance)`` under the object's lease, served by this request's thread or by the
    holder of the object in this process; returns (or raises) only after the commit covering it."""
    gate = namespace.gate()
    pk = f"{namespace.name}#{object_id.hex}"
    key = (id(gate.client), gate.table, pk)
    call = Call(namespace, body, time.monotonic() + namespace.max_wait)
    mailbox.post(key, call)
    while not call.done:
        if call.holds:
            _hold(namespace, gate, key, pk, object_id, call)
            continue
        remaining = call.deadline - time.monotonic()
        if remaining <= 0 and mailbox.withdraw(key, call):
            raise ObjectBusyError(f"object {pk} stayed busy for {namespace.max_wait:.0f} s "
                                  f"(the requests before this one kept it)")
        call.wake.wait(max(remaining, 0.05))
        call.wake.clear()
    return call.outcome()


def _hold(namespace: "Namespace", gate: Gate, key: tuple[Any, ...], pk: str, object_id: "ids.ObjectId",
          call: Call) -> None:
    """Serve one batch (this request first) under the lease, then hand the object on."""
    call.holds = False
    lease, call.lease = call.lease, None
    if lease is None:
        try:
            lease = gate.acquire(pk, call.deadline)
        except BaseException as exc:  # busy past the deadline, or DynamoDB failed: the next one tries
            mailbox.withdraw(key, call, holder=True)
            call.resolve(error=exc)
            mailbox.hand_over(key, None)
            return
    calls = mailbox.take(key, min(MAX_BATCH, MAX_PER_LEASE - lease.served))
    held = False
    try:
        held = Batch(namespace, gate, lease, object_id, key).serve(calls)
    finally:
        if not mailbox.hand_over(key, lease if held else None):
            gate.release(lease, strict=False)


class Batch:
    """Requests run in turn over one storage view, committed together, then answered."""

    def __init__(self, namespace: "Namespace", gate: Gate, lease: Lease, object_id: "ids.ObjectId",
                 key: tuple[Any, ...]) -> None:
        self.namespace, self.gate, self.lease, self.object_id, self.key = namespace, gate, lease, object_id, key
        self.storage = Storage(gate, lease)

    def serve(self, calls: list[Call]) -> bool:
        """Run, commit, answer; True if the lease is still held (requests are waiting). If the
        batch cannot be committed, every request of it gets the error (none was applied)."""
        served: list[tuple[Call, Any, Exception | None, Any]] = []
        try:
            self._run(calls, served)
        except BaseException as exc:  # the holder itself failed (not the object's code): let go of the object
            cache.drop(self.gate.table, self.lease.pk)
            for call, *_ in served:
                call.resolve(error=exc)
            self.gate.release(self.lease, strict=False)
            return False
        try:
            room = self.lease.served + len(served) < MAX_PER_LEASE
            more = room and mailbox.waiting(self.key) > 0
            # several requests at once: more are likely to follow the replies, so keep the lease a moment
            linger = room and len(served) > 1
            messages = any(error is None and state.outbox for _, _, error, state in served)
            held = self.namespace.commit(self.gate, self.lease, self.storage, self.object_id,
                                         keep=more or linger or messages)
        except BaseException as exc:  # lost lease, throttling, a crash: no request of the batch was applied
            for call, *_ in served:
                call.resolve(error=exc)
            return False
        self.lease.served += len(served)
        if messages:
            from durable_objects.sockets import deliver

            for index, (call, result, error, state) in enumerate(served):
                if error is None and state.outbox:
                    try:
                        deliver(state)
                    except Exception as exc:  # noqa: BLE001 - committed, but its messages failed: its reply
                        served[index] = (call, result, exc, state)
        for call, result, error, _ in served:
            call.resolve(result, error)
        if held and not more and not (linger and mailbox.wait_for_request(self.key, LINGER)):
            self.gate.release(self.lease, strict=False)
            held = False
        return held

    def _run(self, calls: list[Call], served: list[tuple[Call, Any, Exception | None, Any]]) -> None:
        from durable_objects.objects import State

        for index, call in enumerate(calls):
            state = State(self.object_id, self.storage, call.namespace)
            had_changes = self.storage.has_changes()
            try:
                result = self.storage.transaction(lambda storage, c=call, st=state: _run_checked(c, st, storage))
            except StorageLimitError as exc:
                if had_changes:  # the batch is full, not the request: it goes first in the next one
                    mailbox.put_back(self.key, calls[index:])
                    return
                served.append((call, None, exc, state))
            except Exception as exc:  # noqa: BLE001 - the object's code failed: that is its reply
                served.append((call, None, exc, state))
            except BaseException:
                served.append((call, None, None, state))  # answered with the error by serve()
                mailbox.put_back(self.key, calls[index + 1:])
                raise
            else:
                served.append((call, result, None, state))


def _run_checked(call: Call, state: Any, storage: Storage) -> Any:
    result = call.body(call.namespace.cls(state, call.namespace.env))
    storage.check_size()  # over one transaction's 4 MB: this request's writes are undone
    return result
