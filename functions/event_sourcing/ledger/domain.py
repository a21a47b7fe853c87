"""Commands, events and the ledger's two pure functions.

A command asks for something (``deposit``/``withdraw`` an amount in cents); an event records what
happened: ``Deposited``, ``Withdrawn`` or ``WithdrawalRejected`` (a withdrawal beyond the balance is
an event, not an error). Events carry the balance after them, so the head of an account's log is
its state; the read model and replay fold events with ``evolve``.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from .errors import PoisonCommand

EventType = Literal["Deposited", "Withdrawn", "WithdrawalRejected"]
MAX_AMOUNT = 100_000_000_00  # cents per transaction, as the API's schema allows


class Command(TypedDict):
    account: str
    transactionId: str
    type: Literal["deposit", "withdraw"]
    amount: int


class Event(TypedDict):
    account: str
    version: int
    type: EventType
    transactionId: str
    amount: int
    balance: int  # after this event
    acceptedAt: int  # when the transport accepted the command (epoch milliseconds)


class AccountState(TypedDict):
    balance: int
    version: int


EMPTY: AccountState = {"balance": 0, "version": 0}


def command(account: str, body: object) -> Command:
    """A command from a transaction's JSON body (already parsed); PoisonCommand when it is not one."""
    if not isinstance(body, dict):
        raise PoisonCommand(f"a transaction is a JSON object, not {type(body).__name__}")
    kind, amount, txn = body.get("type"), body.get("amount"), body.get("transactionId")
    if not account:
        raise PoisonCommand("no account")
    if not isinstance(txn, str) or not txn:
        raise PoisonCommand("transactionId must be a non-empty string")
    if kind not in ("deposit", "withdraw"):
        raise PoisonCommand(f"type must be deposit or withdraw, not {kind!r}")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise PoisonCommand(f"amount must be a positive integer of cents up to {MAX_AMOUNT}, not {amount!r}")
    return {"account": account, "transactionId": txn, "type": kind, "amount": amount}


def decide(state: AccountState, cmd: Command, accepted_at: int) -> Event:
    """The event a command produces against the account's current state (its next version)."""
    if cmd["type"] == "deposit":
        kind: EventType = "Deposited"
        balance = state["balance"] + cmd["amount"]
    elif cmd["amount"] <= state["balance"]:
        kind, balance = "Withdrawn", state["balance"] - cmd["amount"]
    else:
        kind, balance = "WithdrawalRejected", state["balance"]
    return {"account": cmd["account"], "version": state["version"] + 1, "type": kind,
            "transactionId": cmd["transactionId"], "amount": cmd["amount"], "balance": balance,
            "acceptedAt": accepted_at}


def change(event: Event) -> int:
    """What an event does to the balance."""
    return {"Deposited": event["amount"], "Withdrawn": -event["amount"]}.get(event["type"], 0)


def evolve(state: AccountState, event: Event) -> AccountState:
    """The state after an event; an event out of version order is a bug in the caller."""
    if event["version"] != state["version"] + 1:
        raise ValueError(f"{event['account']}: event version {event['version']} after {state['version']}")
    return {"balance": state["balance"] + change(event), "version": event["version"]}
