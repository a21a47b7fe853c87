"""The ledger's domain, record parsing, batch handling, event store and read model (the code both
event-sourcing patterns' Lambdas run), and the invariant checks the workloads report with."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from typing import Any

import pytest

from functions.event_sourcing.ledger.batch import by_key
from functions.event_sourcing.ledger.commands import received
from functions.event_sourcing.ledger.domain import EMPTY, command, decide, evolve
from functions.event_sourcing.ledger.errors import PoisonCommand, ProjectionGap
from functions.event_sourcing.ledger.projection import ReadModel
from functions.event_sourcing.ledger.store import EventStore
from patterns.event_sourcing.checks import invariants


def _cmd(kind: str, amount: int, txn: str = "t1", account: str = "a") -> Any:
    return command(account, {"transactionId": txn, "type": kind, "amount": amount})


def test_deposit_and_withdrawal_within_the_balance_move_it_and_the_version():
    deposited = decide(EMPTY, _cmd("deposit", 500), 1)
    state = evolve(EMPTY, deposited)
    withdrawn = decide(state, _cmd("withdraw", 200, "t2"), 2)

    assert (deposited["type"], deposited["version"], deposited["balance"]) == ("Deposited", 1, 500)
    assert (withdrawn["type"], withdrawn["version"], withdrawn["balance"]) == ("Withdrawn", 2, 300)
    assert evolve(state, withdrawn) == {"balance": 300, "version": 2}


def test_withdrawal_beyond_the_balance_is_a_rejected_event_that_keeps_the_balance():
    state = evolve(EMPTY, decide(EMPTY, _cmd("deposit", 100), 1))
    rejected = decide(state, _cmd("withdraw", 101, "t2"), 2)

    assert (rejected["type"], rejected["version"], rejected["balance"]) == ("WithdrawalRejected", 2, 100)
    assert evolve(state, rejected) == {"balance": 100, "version": 2}


def test_an_event_out_of_version_order_is_refused_by_evolve():
    event = decide({"balance": 0, "version": 3}, _cmd("deposit", 1), 1)
    with pytest.raises(ValueError):
        evolve(EMPTY, event)


@pytest.mark.parametrize("body", [[], {"transactionId": "t", "type": "refund", "amount": 5},
                                  {"transactionId": "t", "type": "deposit", "amount": True},
                                  {"transactionId": "t", "type": "deposit", "amount": 0},
                                  {"transactionId": "", "type": "deposit", "amount": 5}])
def test_a_body_that_is_no_command_is_poison(body):
    with pytest.raises(PoisonCommand):
        command("a", body)


def test_kinesis_and_sqs_fifo_records_carry_the_same_command():
    body = json.dumps({"transactionId": "t9", "type": "deposit", "amount": 70})
    kinesis = {"eventSource": "aws:kinesis", "kinesis": {
        "partitionKey": "acct", "sequenceNumber": "49001", "approximateArrivalTimestamp": 1700000000.25,
        "data": base64.b64encode(body.encode()).decode()}}
    sqs = {"eventSource": "aws:sqs", "messageId": "m-1", "body": body,
           "attributes": {"MessageGroupId": "acct", "SentTimestamp": "1700000000250"}}

    from_kinesis, from_sqs = received(kinesis), received(sqs)

    assert from_kinesis.command == from_sqs.command == {"account": "acct", "transactionId": "t9", "type": "deposit",
                                                        "amount": 70}
    assert (from_kinesis.item_id, from_sqs.item_id) == ("49001", "m-1")
    assert from_kinesis.accepted_at == from_sqs.accepted_at == 1700000000250


def test_kinesis_data_that_is_not_base64_is_poison():
    with pytest.raises(PoisonCommand):
        received({"kinesis": {"partitionKey": "a", "sequenceNumber": "1", "data": "***"}})


def test_a_key_whose_records_fail_is_reported_whole_and_the_other_keys_go_on():
    records = [{"id": str(i), "key": key} for i, key in enumerate("abab")]
    handled: list[list[str]] = []

    def handle(group: list[dict[str, Any]]) -> None:
        if group[0]["key"] == "a":
            raise RuntimeError("throttled")
        handled.append([r["id"] for r in group])

    response = by_key(records, lambda r: r["key"], lambda r: r["id"], handle, lambda g, e: None, failures=["p"])

    assert handled == [["1", "3"]]
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == ["p", "0", "2"]


@pytest.fixture
def ledger_tables(cloud):
    ddb = cloud.client("dynamodb")
    names = {kind: f"{kind}-{uuid.uuid4().hex[:6]}" for kind in ("events", "transactions", "accounts")}
    keys = {"events": [("account", "S", "HASH"), ("version", "N", "RANGE")],
            "transactions": [("transactionId", "S", "HASH")], "accounts": [("account", "S", "HASH")]}
    for kind, name in names.items():
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t, _ in keys[kind]],
                         KeySchema=[{"AttributeName": n, "KeyType": k} for n, _, k in keys[kind]])
    return ddb, names


def test_concurrent_appends_to_one_account_get_versions_without_gaps_and_each_transaction_once(ledger_tables):
    ddb, names = ledger_tables
    store = EventStore(ddb, names["events"], names["transactions"])
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def append(i: int) -> None:
        start.wait(timeout=10)
        for txn in (f"t{i}", f"t{i}", f"t{(i + 1) % 8}"):  # each transaction arrives three times in all
            outcomes.append(store.append(_cmd("deposit", 10, txn), 0))

    threads = [threading.Thread(target=append, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    events = list(store.events("a"))
    assert [e["version"] for e in events] == list(range(1, 9))
    assert sorted(e["transactionId"] for e in events) == sorted(f"t{i}" for i in range(8))
    assert events[-1]["balance"] == 80
    assert sorted(outcomes) == ["applied"] * 8 + ["duplicate"] * 16


def test_one_accounts_batch_is_appended_in_order_with_resends_inside_and_across_batches(ledger_tables):
    ddb, names = ledger_tables
    store = EventStore(ddb, names["events"], names["transactions"])
    store.append(_cmd("deposit", 100, "t0"), 0)
    batch = [(_cmd("withdraw", 150, "t1"), 0), (_cmd("deposit", 100, "t2"), 0), (_cmd("deposit", 100, "t0"), 0),
             (_cmd("withdraw", 150, "t3"), 0), (_cmd("deposit", 100, "t2"), 0)]

    outcomes = store.append_all(batch)
    again = store.append_all(batch)

    assert outcomes == ["rejected", "applied", "duplicate", "applied", "duplicate"]
    assert again == ["duplicate"] * 5
    assert [(e["version"], e["type"], e["balance"]) for e in store.events("a")] == [
        (1, "Deposited", 100), (2, "WithdrawalRejected", 100), (3, "Deposited", 200), (4, "Withdrawn", 50)]


def test_read_model_applies_a_redelivered_run_of_events_from_where_it_stands(ledger_tables):
    ddb, names = ledger_tables
    model = ReadModel(ddb, names["accounts"])
    events, state = [], EMPTY
    for n in range(4):
        events.append(decide(state, _cmd("deposit", 10, f"t{n}"), 0))
        state = evolve(state, events[-1])

    assert model.apply_all(events[:2]) == 2
    assert model.apply_all(events) == 2  # versions 1-2 came again with 3-4
    assert model.apply_all(events) == 0
    assert model.get("a") == {"balance": 40, "version": 4}


def test_read_model_applies_each_event_once_and_refuses_one_that_skips_a_version(ledger_tables):
    ddb, names = ledger_tables
    model = ReadModel(ddb, names["accounts"])
    first = decide(EMPTY, _cmd("deposit", 40), 0)
    second = decide(evolve(EMPTY, first), _cmd("withdraw", 15, "t2"), 0)
    third = decide(evolve(evolve(EMPTY, first), second), _cmd("deposit", 1, "t3"), 0)

    assert model.apply(first) is True
    with pytest.raises(ProjectionGap):
        model.apply(third)
    assert model.apply(second) is True
    assert model.apply(second) is False  # redelivered
    assert model.get("a") == {"balance": 25, "version": 2}


def test_the_invariant_checks_catch_a_gap_a_double_application_and_a_wrong_balance():
    accepted = {t: {"account": "a", "transactionId": t, "type": "deposit", "amount": 10} for t in ("t1", "t2")}
    good = [decide(EMPTY, accepted["t1"], 0)]  # type: ignore[arg-type]
    good.append(decide(evolve(EMPTY, good[0]), accepted["t2"], 0))  # type: ignore[arg-type]
    live = {"a": {"balance": 20, "version": 2}}

    assert all(invariants(accepted, good, live).values())
    gap = [good[0], {**good[1], "version": 3}]
    twice = [good[0], {**good[1], "transactionId": "t1"}]
    wrong = [good[0], {**good[1], "balance": 25}]
    assert not invariants(accepted, gap, live)["versions 1..n without gaps"]
    assert not invariants(accepted, twice, live)["no transaction applied twice"]
    assert not invariants(accepted, wrong, live)["balances follow the model"]
    assert not invariants(accepted, good, {"a": {"balance": 20, "version": 1}})["read model equals the event store"]
