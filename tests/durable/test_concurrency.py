"""One object, many concurrent clients, owners paused and crashed past their lease: the recorded
histories are linearizable (zero lost updates, zero stale reads). The same over 1,000 objects."""

from __future__ import annotations

import random
import threading
import time
from typing import Any, Callable

from durable_objects import LeaseLostError, Namespace
from faults import Controller, Crash, FaultyClient
from linearizability import EMPTY_REGISTER, Op, check, counter, register
from objects_under_test import Counter, Register

CLIENTS = 16
LEASE = 5.0


def run_clients(count: int, work: Callable[[int], None], controller: Controller | None = None) -> None:
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        if controller is not None:
            controller.drive()
        threads[0].join(0.005)
    for thread in threads:
        thread.join()


def faulty_clients(cloud: Any, table: str, cls: type,
                   environments: int = CLIENTS) -> tuple[Controller, list[Namespace], list[FaultyClient]]:
    """A namespace per client thread; threads share a DynamoDB client per Lambda environment (so
    with fewer environments than threads, a holder serves its environment's requests in batches)."""
    controller = Controller(cloud.clock, LEASE)
    shared = [FaultyClient(cloud.client("dynamodb"), controller) for _ in range(environments)]
    clients = [shared[i % environments] for i in range(CLIENTS)]
    namespaces = [Namespace(cls, table=table, client=c, clock=cloud.clock, lease_seconds=LEASE) for c in clients]
    return controller, namespaces, clients


def test_sixteen_clients_with_paused_and_crashed_owners_keep_a_counter_linearizable(cloud, table):
    controller, namespaces, clients = faulty_clients(cloud, table, Counter)
    history: list[Op] = []
    lost_lease: list[Op] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        rng = random.Random(i)
        stub = namespaces[i].get(namespaces[i].id_from_name("shared"))
        for n in range(25):
            if clients[i].crashed:
                return  # a crashed client does nothing more
            kind = "inc" if rng.random() < 0.6 else "read"
            roll = rng.random()
            clients[i].fault = "pause" if roll < 0.04 else "crash" if roll < 0.06 and n > 5 else None
            start = time.perf_counter()
            try:
                result = stub.increment() if kind == "inc" else stub.read()
                op = Op(i, kind, 1 if kind == "inc" else None, result, start, time.perf_counter())
            except LeaseLostError:
                with lock:
                    lost_lease.append(Op(i, kind, 1, None, start, time.perf_counter()))
                continue  # definitely not applied: the commit was refused
            except Crash:
                op = Op(i, kind, 1 if kind == "inc" else None, None, start, None)
            with lock:
                history.append(op)

    run_clients(CLIENTS, client, controller)

    assert controller.pauses >= 3 and controller.crashes >= 2, (controller.pauses, controller.crashes)
    assert len(lost_lease) >= controller.pauses  # every paused owner found its lease taken over
    assert check(history, counter, 0), "the history is not linearizable"
    increments = [op for op in history if op.kind == "inc" and op.completed is not None]
    final = namespaces[0].get(namespaces[0].id_from_name("shared")).read()
    assert final == len(increments)  # zero lost updates (the crashes came before their commits)
    assert sorted(op.result for op in increments) == list(range(1, final + 1))


def test_sixteen_clients_in_four_lambdas_served_in_batches_with_paused_and_crashed_holders_stay_linearizable(
        cloud, table):
    controller, namespaces, clients = faulty_clients(cloud, table, Counter, environments=4)
    history: list[Op] = []
    lost_lease: list[Op] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        rng = random.Random(200 + i)
        stub = namespaces[i].get(namespaces[i].id_from_name("batched"))
        for n in range(25):
            if clients[i].crashed:
                return  # its Lambda environment is gone
            kind = "inc" if rng.random() < 0.6 else "read"
            roll = rng.random()
            fault = "pause" if roll < 0.04 else "crash" if roll < 0.05 and n > 10 else None
            if fault:  # the next commit of this environment's holder (a batch, possibly of others' requests)
                clients[i].fault = fault
            start = time.perf_counter()
            try:
                result = stub.increment() if kind == "inc" else stub.read()
                op = Op(i, kind, 1 if kind == "inc" else None, result, start, time.perf_counter())
            except LeaseLostError:
                with lock:
                    lost_lease.append(Op(i, kind, 1, None, start, time.perf_counter()))
                continue  # definitely not applied: the batch's commit was refused
            except Crash:
                op = Op(i, kind, 1 if kind == "inc" else None, None, start, None)
            with lock:
                history.append(op)

    # a fifth Lambda reads whenever a holder is paused, so a pause never outlasts the other
    # environments' requests (a paused holder resumes once another acquired the object)
    finished = threading.Event()
    bystander = Namespace(Counter, table=table, client=FaultyClient(cloud.client("dynamodb"), controller),
                          clock=cloud.clock, lease_seconds=LEASE)

    def look() -> None:
        stub = bystander.get(bystander.id_from_name("batched"))
        while not finished.wait(0.005):
            if controller.paused:
                start = time.perf_counter()
                try:
                    op = Op(CLIENTS, "read", None, stub.read(), start, time.perf_counter())
                except LeaseLostError:
                    continue  # the clock moved past its lease too
                with lock:
                    history.append(op)

    watcher = threading.Thread(target=look)
    watcher.start()
    run_clients(CLIENTS, client, controller)
    finished.set()
    watcher.join()
    controller.drive()  # a holder that crashed last still holds the lease: let it expire

    assert controller.pauses >= 2 and controller.crashes >= 1, (controller.pauses, controller.crashes)
    assert lost_lease  # paused holders found their lease taken over: their whole batch was refused
    assert check(history, counter, 0), "the history is not linearizable"
    increments = [op for op in history if op.kind == "inc" and op.completed is not None]
    final = bystander.get(bystander.id_from_name("batched")).read()
    assert final == len(increments)  # zero lost updates: a refused or crashed batch applied nothing
    assert sorted(op.result for op in increments) == list(range(1, final + 1))


def test_sixteen_clients_writing_and_reading_a_register_see_no_stale_value(cloud, table):
    controller, namespaces, clients = faulty_clients(cloud, table, Register)
    history: list[Op] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        rng = random.Random(100 + i)
        stub = namespaces[i].get(namespaces[i].id_from_name("reg"))
        for n in range(12):
            clients[i].fault = "pause" if rng.random() < 0.06 else None
            start = time.perf_counter()
            try:
                if rng.random() < 0.5:
                    stub.write(f"{i}-{n}")
                    op = Op(i, "write", f"{i}-{n}", None, start, time.perf_counter())
                else:
                    op = Op(i, "read", None, stub.read(), start, time.perf_counter())
            except LeaseLostError:
                continue
            with lock:
                history.append(op)

    run_clients(CLIENTS, client, controller)

    assert controller.pauses >= 2
    assert check(history, register, EMPTY_REGISTER), "the history is not linearizable"


def test_a_thousand_objects_at_once_lose_no_updates(cloud, table):
    namespace = Namespace(Counter, table=table, client=cloud.client("dynamodb"), clock=cloud.clock)
    names = [f"obj-{i}" for i in range(1000)]
    histories: dict[str, list[Op]] = {name: [] for name in names}
    lock = threading.Lock()

    def client(i: int) -> None:
        # clients i and i+8 both increment every 8th object from i, at the same time
        for name in names[i % 8::8]:
            stub = namespace.get(namespace.id_from_name(name))
            start = time.perf_counter()
            value = stub.increment()
            op = Op(i, "inc", 1, value, start, time.perf_counter())
            with lock:
                histories[name].append(op)

    run_clients(CLIENTS, client)

    for name in names:
        assert sorted(op.result for op in histories[name]) == [1, 2], name
        assert check(histories[name], counter, 0), name
    assert [namespace.get(namespace.id_from_name(name)).read() for name in names[::50]] == [2] * 20


def test_owner_paused_past_its_lease_cannot_write_after_its_successor(cloud, table):
    controller = Controller(cloud.clock, LEASE)
    paused_client = FaultyClient(cloud.client("dynamodb"), controller)
    paused = Namespace(Counter, table=table, client=paused_client, clock=cloud.clock, lease_seconds=LEASE)
    # the successor's client has no fault; it tells the controller when it acquires the object
    successor_client = FaultyClient(cloud.client("dynamodb"), controller)
    other = Namespace(Counter, table=table, client=successor_client, clock=cloud.clock, lease_seconds=LEASE)
    object_id = other.id_from_name("fenced")
    other.get(object_id).increment()  # value 1
    paused_client.fault = "pause"
    outcome: list[object] = []
    owner = threading.Thread(target=lambda: outcome.append(_result(lambda: paused.get(object_id).increment())))
    owner.start()
    while not controller.paused:  # the owner has read 1 and computed 2, and stopped before committing
        threading.Event().wait(0.005)
    cloud.clock.advance(LEASE + 1)  # its lease expires
    assert other.get(object_id).increment() == 2  # the successor takes over and commits
    controller.drive()  # the paused owner resumes and tries to commit its stale 2
    owner.join(5)

    assert not owner.is_alive(), "the paused owner was not resumed after its successor acquired the object"

    assert isinstance(outcome[0], LeaseLostError)
    assert other.get(object_id).read() == 2
    assert other.get(object_id).increment() == 3


def _result(call: Callable[[], Any]) -> object:
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the test inspects it
        return exc
