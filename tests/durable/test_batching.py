"""Many requests per lease: requests of one process waiting for an object are served by the lease's
holder in turn, their writes committed together, no reply before that commit; the lease is handed
on while held, bounded per lease, and fenced exactly as a single request's."""

from __future__ import annotations

import threading
from collections import Counter as Tally
from typing import Any, Callable

import pytest
from durable_objects import LeaseLostError, Namespace, ObjectBusyError, StorageLimitError, holder
from objects_under_test import Counter

LEASE = 5.0


class Gated(Counter):
    def hold(self, entered: threading.Event, leave: threading.Event) -> int:
        """Keeps the object (under its lease) until the test lets it go."""
        entered.set()
        assert leave.wait(10), "the test never let the holding request go"
        return self.increment()

    def increment_then_fail(self) -> None:
        self.increment()
        raise ValueError("refused by the object")

    def write_many(self, prefix: str, count: int) -> int:
        self.storage.put({f"{prefix}{i}": i for i in range(count)})
        return count


class Recording:
    """A DynamoDB client that counts calls and can stop the next commit until released."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.exceptions = client.exceptions
        self.calls: Tally[str] = Tally()
        self.stop_commit = threading.Event()
        self.stop_at: int | None = None  # that commit (1, 2, ...) waits for stop_commit
        self.commit_reached = threading.Event()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(**kwargs: Any) -> Any:
            acquire = "attribute_not_exists(o)" in kwargs.get("ConditionExpression", "")
            self.calls["acquire" if acquire else name] += 1
            if name == "transact_write_items" and self.calls[name] == self.stop_at:
                self.commit_reached.set()
                assert self.stop_commit.wait(10), "the commit was never let through"
            return method(**kwargs)

        return call


class Caller:
    """Runs one stub call in a thread and keeps its result or error."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.outcome: list[Any] = []
        self.thread = threading.Thread(target=self._run, args=(call,))
        self.thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self.outcome.append(call())
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            self.outcome.append(exc)

    def result(self) -> Any:
        self.thread.join(10)
        assert not self.thread.is_alive(), "the request never returned"
        return self.outcome[0]


def until(condition: Callable[[], bool]) -> None:
    """Wait (real time, briefly) for the threads under test to reach a state."""
    for _ in range(10_000):
        if condition():
            return
        threading.Event().wait(0.001)
    raise AssertionError("the requests never reached the expected state")


@pytest.fixture
def process(cloud, table):
    """``process()``: a namespace over a client of its own, as one Lambda environment has."""

    def make(client: Recording | None = None, **kwargs: Any) -> Namespace:
        client = client or Recording(cloud.client("dynamodb"))
        return Namespace(Gated, table=table, client=client, clock=cloud.clock, lease_seconds=LEASE, **kwargs)

    return make


def waiting(namespace: Namespace, name: str) -> int:
    key = (id(namespace.client), namespace.table, f"{namespace.name}#{namespace.id_from_name(name).hex}")
    line = holder.mailbox._lines.get(key)
    return len(line.pending) if line else 0


def queue_behind_holder(namespace: Namespace, name: str, calls: list[Callable[[Any], Any]]) -> tuple[Caller, list[Caller], threading.Event]:
    """A request holding the object, and ``calls`` lined up behind it; returns them and the event
    that lets the holding request finish."""
    stub = namespace.get(namespace.id_from_name(name))
    entered, leave = threading.Event(), threading.Event()
    first = Caller(lambda: stub.hold(entered, leave))
    assert entered.wait(10)
    queued = []
    for call in calls:
        queued.append(Caller(lambda call=call: call(stub)))
        until(lambda: waiting(namespace, name) == len(queued))
    return first, queued, leave


def test_requests_waiting_for_an_object_are_committed_together_under_one_lease(process):
    counters = process()
    first, queued, leave = queue_behind_holder(counters, "hits", [lambda s: s.increment()] * 5)
    leave.set()

    assert first.result() == 1
    assert sorted(c.result() for c in queued) == [2, 3, 4, 5, 6]
    # one lease for all six requests; the five that waited share one transaction
    assert counters.client.calls["acquire"] == 1
    assert counters.client.calls["transact_write_items"] == 2
    assert counters.get(counters.id_from_name("hits")).read() == 6


def test_no_request_of_a_batch_gets_its_reply_before_the_commit_covering_it(process):
    counters = process()
    first, queued, leave = queue_behind_holder(counters, "gate", [lambda s: s.increment(), lambda s: s.read(),
                                                                  lambda s: s.increment()])
    counters.client.stop_at = 2  # the batch's commit (the holding request's is the first)
    leave.set()
    assert first.result() == 1
    assert counters.client.commit_reached.wait(10)

    threading.Event().wait(0.05)  # the batch ran; its commit is held back
    assert [c.outcome for c in queued] == [[], [], []]  # not even the read has answered
    counters.client.stop_commit.set()
    assert [c.result() for c in queued] == [2, 2, 3]


def test_a_request_that_raises_in_a_batch_writes_nothing_and_the_others_commit(process):
    counters = process()
    first, queued, leave = queue_behind_holder(counters, "mixed", [lambda s: s.increment(),
                                                                   lambda s: s.increment_then_fail(),
                                                                   lambda s: s.increment()])
    leave.set()
    first.result()
    results = [c.result() for c in queued]

    assert results[0] == 2 and results[2] == 3
    assert isinstance(results[1], ValueError)
    assert counters.get(counters.id_from_name("mixed")).read() == 3


def test_a_holder_that_loses_its_lease_mid_batch_applies_nothing_and_answers_lease_lost(cloud, process):
    counters, other = process(), process()  # two Lambda environments
    first, queued, leave = queue_behind_holder(counters, "fenced", [lambda s: s.increment(), lambda s: s.read(),
                                                                    lambda s: s.increment()])
    counters.client.stop_at = 2
    leave.set()
    assert first.result() == 1
    assert counters.client.commit_reached.wait(10)  # the batch computed 2, (2), 3 and is paused before its commit
    late = Caller(lambda: counters.get(counters.id_from_name("fenced")).increment())  # waits in this process
    until(lambda: waiting(counters, "fenced") == 1)

    cloud.clock.advance(LEASE + 1)  # the holder's lease expires
    assert other.get(other.id_from_name("fenced")).increment() == 2  # another Lambda takes over
    counters.client.stop_commit.set()

    assert [type(c.result()) for c in queued] == [LeaseLostError] * 3  # the read too: it may be stale
    assert late.result() == 3  # served after the failed holder, under a new lease
    assert other.get(other.id_from_name("fenced")).read() == 3


def test_a_lease_serves_a_bounded_number_of_requests_then_is_released(process, monkeypatch):
    monkeypatch.setattr(holder, "MAX_PER_LEASE", 4)
    monkeypatch.setattr(holder, "MAX_BATCH", 2)
    counters = process()
    first, queued, leave = queue_behind_holder(counters, "bounded", [lambda s: s.increment()] * 10)
    leave.set()

    assert first.result() == 1
    assert sorted(c.result() for c in queued) == list(range(2, 12))
    assert counters.client.calls["acquire"] == 3  # 11 requests, at most 4 per lease
    # leases of 1+2+1, 2+2 and 2+1 requests: at most 2 per commit
    assert counters.client.calls["transact_write_items"] == 7


def test_requests_whose_writes_do_not_fit_one_transaction_together_commit_one_after_the_other(process):
    bags = process()
    first, queued, leave = queue_behind_holder(bags, "wide", [lambda s: s.write_many("a", 60),
                                                              lambda s: s.write_many("b", 60)])
    leave.set()
    first.result()

    assert [c.result() for c in queued] == [60, 60]  # 120 writes: two transactions, both applied
    assert bags.client.calls["transact_write_items"] == 3
    with pytest.raises(StorageLimitError, match="at most 99"):
        bags.get(bags.id_from_name("wide")).write_many("c", 100)  # alone it still does not fit


def test_the_lease_is_released_when_nobody_waits_and_another_lambda_takes_the_object(process, table):
    counters, other = process(), process()
    first, queued, leave = queue_behind_holder(counters, "handed", [lambda s: s.increment()] * 3)
    leave.set()
    [c.result() for c in [first, *queued]]

    meta = counters.client.get_item(TableName=table, ConsistentRead=True, Key={
        "pk": {"S": f"Gated#{counters.id_from_name('handed').hex}"}, "sk": {"S": "!meta"}})["Item"]
    assert "o" not in meta  # no owner: free for anyone, without waiting for the expiry
    assert other.get(other.id_from_name("handed")).increment() == 5
    assert other.client.calls["acquire"] == 1


def test_a_holder_that_cannot_take_the_lease_gives_up_and_the_next_waiting_request_takes_over(process):
    elsewhere = process()
    first, _, leave = queue_behind_holder(elsewhere, "contended", [])  # another Lambda keeps the object
    impatient = process(max_wait=1.0)  # real seconds: the library's wait limit
    patient = process(client=impatient.client)  # the same Lambda environment, default wait
    gives_up = Caller(lambda: impatient.get(impatient.id_from_name("contended")).increment())
    until(lambda: impatient.client.calls["acquire"] >= 1)
    takes_over = Caller(lambda: patient.get(patient.id_from_name("contended")).increment())
    until(lambda: waiting(patient, "contended") == 2)  # behind the impatient one, still trying

    assert isinstance(gives_up.result(), ObjectBusyError)  # nothing applied
    leave.set()
    assert first.result() == 1
    assert takes_over.result() == 2
    assert impatient.client.calls["acquire"] >= 2  # the successor contended for the lease itself
