"""The ledger's invariants, checked against a model written independently of the domain code: given
the order in which the store recorded each account's transactions, what must every event and every
balance be?"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Mapping

from functions.event_sourcing.ledger.domain import AccountState, Command, Event


def invariants(accepted: Mapping[str, Command], events: list[Event],
               live: Mapping[str, AccountState]) -> dict[str, bool]:
    """``accepted``: each distinct transaction API Gateway accepted, by transactionId."""
    by_account: dict[str, list[Event]] = {}
    for event in sorted(events, key=lambda e: (e["account"], e["version"])):
        by_account.setdefault(event["account"], []).append(event)
    recorded = Counter(e["transactionId"] for e in events)
    return {
        "versions 1..n without gaps": all([e["version"] for e in log] == list(range(1, len(log) + 1))
                                          for log in by_account.values()),
        "no transaction applied twice": all(n == 1 for n in recorded.values()),
        "every accepted transaction recorded": set(recorded) == set(accepted),
        "balances follow the model": all(_follows_model(log, accepted) for log in by_account.values()),
        "read model equals the event store": {a: {"balance": log[-1]["balance"], "version": log[-1]["version"]}
                                              for a, log in by_account.items()} == dict(live),
    }


def isolation_under_faults(accepted: Mapping[str, Command], events: list[Event], isolated: list[bytes],
                           poison: bytes) -> dict[str, bool]:
    """Under faults a valid transaction may be isolated too (it failed MaxReceiveCount / retry
    attempts for transient reasons), maybe after it was applied (its answer lost): conservation is
    then "recorded or isolated", and the poison record is still isolated exactly once."""
    isolated_ids, strays = set(), 0
    for body in isolated:
        try:
            isolated_ids.add(json.loads(body)["transactionId"])
        except (ValueError, KeyError, TypeError):
            strays += body != poison
    recorded = {e["transactionId"] for e in events}
    return {
        "every accepted transaction recorded, or isolated": set(accepted) <= recorded | isolated_ids,
        "nothing recorded that was not accepted": recorded <= set(accepted),
        "the poison record isolated, once": isolated.count(poison) == 1,
        "nothing isolated but the poison record and accepted transactions": not strays and isolated_ids <= set(accepted),
    }


def _follows_model(log: list[Event], accepted: Mapping[str, Command]) -> bool:
    balance = 0
    for event in log:
        sent = accepted.get(event["transactionId"])
        if sent is None or (sent["account"], sent["amount"]) != (event["account"], event["amount"]):
            return False
        if sent["type"] == "deposit":
            expected, balance = "Deposited", balance + sent["amount"]
        elif sent["amount"] > balance:
            expected = "WithdrawalRejected"
        else:
            expected, balance = "Withdrawn", balance - sent["amount"]
        if (event["type"], event["balance"]) != (expected, balance):
            return False
    return True


def failed(result: Mapping[str, Any]) -> list[str]:
    """The names of the invariants a workload result breaks."""
    return [name for name, held in result["invariants"].items() if not held]
