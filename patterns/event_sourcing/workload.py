"""The ledger's demo workload, the same for both transports: concurrent producers post
transactions through API Gateway (some resent, as a client retrying after a timeout would), a
buggy producer writes one poison record straight to the stream or queue, a bad body is refused
by the validator; then, once everything is delivered, the invariants are checked, the read model
is replayed and compared, and the API's answers are read back."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from random import Random
from typing import Any, Callable

from functions.event_sourcing.ledger.domain import Command
from functions.event_sourcing.ledger.projection import ReadModel
from functions.event_sourcing.ledger.store import EventStore
from infra.compute.clock import VirtualClock
from infra.workload import Invariant, under_faults
from patterns.api_client import api_url, call
from patterns.event_sourcing import checks
from patterns.event_sourcing.replay import replay
from patterns.event_sourcing.transports import POISON, Transport

NEED = "event sourcing: an append-only log of business events, state built from it, replayable"
ACCOUNTS = ("acct-1", "acct-2", "acct-3", "acct-4", "acct-5")
Plan = list[list[tuple[str, dict[str, Any]]]]


def plan(producers: int = 16, per_producer: int = 6, seed: int = 7, accounts: tuple[str, ...] = ACCOUNTS) -> Plan:
    """Each producer's posts, in its order: its own transactions, one of them sent twice."""
    rng = Random(seed)
    plans: Plan = []
    for p in range(producers):
        posts = []
        for k in range(per_producer):
            kind = "withdraw" if rng.random() < 0.35 else "deposit"
            amount = rng.randint(1, 40) * 100 if kind == "deposit" else rng.randint(1, 80) * 100
            posts.append((rng.choice(accounts), {"transactionId": f"p{p:02d}-{k}", "type": kind, "amount": amount}))
        posts.insert(rng.randint(1, len(posts)), posts[rng.randrange(len(posts))])  # the resend
        plans.append(posts)
    return plans


def post_all(url: str, plans: Plan) -> list[tuple[str, dict[str, Any], int]]:
    """Every producer on its own thread, posting its transactions in order."""
    def produce(posts: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any], int]]:
        return [(account, body, call("POST", f"{url}/accounts/{account}/transactions", body).status)
                for account, body in posts]

    with ThreadPoolExecutor(max_workers=len(plans)) as pool:
        return [answer for answers in pool.map(produce, plans) for answer in answers]


def converge(cloud: Any, done: Callable[[], bool], seconds: float = 240.0) -> bool:
    """Until ``done()``: on a virtual clock deliver everything in flight (time moves on), else poll."""
    virtual = cloud.plane is not None and isinstance(cloud.plane.clock, VirtualClock)
    deadline = time.monotonic() + seconds
    rounds = 0
    while True:
        if virtual:
            cloud.drain()
        if done():
            return True
        rounds += 1
        if time.monotonic() > deadline or (virtual and rounds > 30):
            return False
        if virtual:
            cloud.plane.clock.advance(10.0)
        else:
            threading.Event().wait(0.5)


def _get(url: str, attempts: int = 3) -> Any:
    """A read, retried (as a client would) when API Gateway answers 5xx: a busy LocalStack may."""
    for _ in range(attempts - 1):
        answer = call("GET", url)
        if answer.status < 500:
            return answer
    return call("GET", url)


def run(cloud: Any, stack: Any, transport: Transport, progress: Callable[[str], None] = lambda m: None,
        plans: Plan | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    outputs = stack.outputs
    url = api_url(cloud, stack)
    plans = plans if plans is not None else plan()
    since = min(time.time(), cloud.clock.now()) - 60.0  # before the first record: AT_TIMESTAMP replays it all
    transport.inject_poison(cloud, outputs, plans[0][0][0])
    progress(f"one poison record written straight to the {transport.name} transport for {plans[0][0][0]}")
    answers = post_all(url, plans)
    refused = call("POST", f"{url}/accounts/{ACCOUNTS[0]}/transactions", {"transactionId": "x", "amount": -5}).status
    accepted: dict[str, Command] = {body["transactionId"]: {"account": account, **body}  # type: ignore[typeddict-item]
                                    for account, body, status in answers if status == 202}
    progress(f"{len(plans)} producers posted {len(answers)} transactions ({len(accepted)} distinct) through "
             f"API Gateway; a bad body answered {refused}")
    store = EventStore(cloud.client("dynamodb"), outputs["EventsTableName"], outputs["TransactionsTableName"])
    live_model = ReadModel(cloud.client("dynamodb"), outputs["AccountsTableName"])

    faulty = under_faults(cloud)

    def delivered() -> bool:
        if faulty and cloud.plane.in_flight() == 0:
            return True  # retries and redrives done: some transactions may be isolated, not recorded
        events = sum(1 for _ in store.all_events())
        projected = sum(state["version"] for state in live_model.all().values())
        return events == len(accepted) and projected == events and transport.isolated(cloud, outputs) >= 1

    settled = converge(cloud, delivered)
    progress("everything delivered" if settled else "NOT everything was delivered in time")
    events, live = list(store.all_events()), live_model.all()
    isolated = transport.isolated(cloud, outputs)
    replays = {"event store": replay(cloud.client, outputs, "store")}
    if transport.replays_from_stream:
        replays["stream TRIM_HORIZON"] = replay(cloud.client, outputs, "stream")
        replays["stream AT_TIMESTAMP"] = replay(cloud.client, outputs, "stream", at=since)
    for name, rebuilt in replays.items():
        for line in rebuilt.differences():
            progress(f"replay from the {name} differs: {line}")
    api_answers = {a: _get(f"{url}/accounts/{a}") for a in sorted(live)}
    api_balances = {a: answer.body if answer.status == 200 else {} for a, answer in api_answers.items()}
    log_answer = _get(f"{url}/accounts/{ACCOUNTS[0]}/events")
    api_log = log_answer.body if log_answer.status == 200 else {}
    if log_answer.status != 200 or any(answer.status != 200 for answer in api_answers.values()):
        progress(f"GET answers: {sorted({a.status for a in api_answers.values()})}, events {log_answer.status}: "
                 f"{str(log_answer.body)[:200]}")
    invariants = checks.invariants(accepted, events, live)
    if faulty:
        del invariants["every accepted transaction recorded"]
        invariants.update(checks.isolation_under_faults(accepted, events, transport.isolated_bodies(cloud, outputs),
                                                        POISON))
    else:
        invariants["the poison record isolated, once"] = isolated == 1
    invariants.update({
        "every valid post accepted (202)": all(status == 202 for _, _, status in answers),
        "a bad body refused (400)": refused == 400,
        **{f"replay from the {name} equals the read model": r.equal for name, r in replays.items()},
        "GET /accounts/{id} answers the read model": all(
            {"balance": body.get("balance"), "version": body.get("version")} == live[a] for a, body in api_balances.items()),
        "GET /accounts/{id}/events answers the log in version order": [e["version"] for e in api_log.get("events", [])]
        == sorted(e["version"] for e in events if e["account"] == ACCOUNTS[0]),
    })
    kinds = [e["type"] for e in events]
    return {
        "transport": transport.name, "events_in": len(answers) + 1, "posted": len(answers),
        "accepted": sum(1 for _, _, status in answers if status == 202), "distinct": len(accepted),
        "recorded": len(events), "applied": len(kinds) - kinds.count("WithdrawalRejected"),
        "rejected": kinds.count("WithdrawalRejected"),
        "deduplicated": sum(1 for _, _, status in answers if status == 202) - len(events),
        "isolated": isolated, "isolated_records": transport.inspect(cloud, outputs), "refused": refused,
        "accounts": len(live), "replays": {name: r.equal for name, r in replays.items()},
        "invariants": invariants, "seconds": time.perf_counter() - started, "operations": len(answers) + 1,
    }


def outcome(result: dict[str, Any]) -> dict[str, Any]:
    """What comes out the same on every target: counts that do not depend on the producers'
    interleaving (which withdrawals are rejected does), and every invariant."""
    return {key: result[key] for key in ("transport", "events_in", "accepted", "distinct", "recorded",
                                         "deduplicated", "isolated", "refused", "accounts", "replays", "invariants")}


def summary_lines(result: dict[str, Any]) -> list[str]:
    broken = checks.failed(result)
    replayed = ", ".join(f"{name}: {'yes' if equal else 'NO'}" for name, equal in result["replays"].items())
    lines = [
        f"events in: {result['events_in']} ({result['accepted']} accepted through API Gateway, 1 poison record); "
        f"applied {result['applied']}, rejected {result['rejected']} (WithdrawalRejected), deduplicated "
        f"{result['deduplicated']}, isolated {result['isolated']}; bad body refused with {result['refused']}",
        f"read model equal to replay: {'yes' if all(result['replays'].values()) else 'NO'} ({replayed})",
        f"invariants: {'all ' + str(len(result['invariants'])) + ' hold' if not broken else 'BROKEN: ' + '; '.join(broken)}"
        f" ({result['seconds']:.2f} s)",
    ]
    return lines + [f"  isolated: {record}" for record in result["isolated_records"]]


def invariants(result: dict[str, Any]) -> list[Invariant]:
    """The ledger's promises, checked from the event store and the read model, and each replay."""
    held = [Invariant(name, ok) for name, ok in result["invariants"].items()]
    return held + [Invariant(f"read model equal to the replay {name}", equal)
                   for name, equal in result["replays"].items()]
