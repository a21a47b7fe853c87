"""The event store: one DynamoDB item per event, key (account, version), versions 1, 2, 3...

An append is one TransactWriteItems of two conditional puts per event: the event at the head's
version + 1 (``attribute_not_exists``: optimistic concurrency — a concurrent writer that got there
first makes this one re-read the head and decide again) and a guard item keyed by the
transactionId in the transactions table (``attribute_not_exists``: a redelivered or resent
transaction is never applied twice). All or none are written. One account's commands of a batch
go in one transaction (up to 50), so a batch costs a head read and a transaction per account.
"""

from __future__ import annotations

from typing import Any, Iterator, Literal

from .domain import EMPTY, AccountState, Command, Event, decide, evolve
from .errors import ConcurrencyConflict

Outcome = Literal["applied", "rejected", "duplicate"]
CONFLICT_RETRIES = 20
COMMANDS_PER_TRANSACTION = 50  # two items each: TransactWriteItems takes at most 100


def to_item(event: Event) -> dict[str, Any]:
    return {key: {"N": str(value)} if isinstance(value, int) else {"S": value} for key, value in event.items()}


def from_item(item: dict[str, Any]) -> Event:
    return {"account": item["account"]["S"], "version": int(item["version"]["N"]), "type": item["type"]["S"],
            "transactionId": item["transactionId"]["S"], "amount": int(item["amount"]["N"]),
            "balance": int(item["balance"]["N"]), "acceptedAt": int(item["acceptedAt"]["N"])}


class EventStore:
    def __init__(self, dynamodb: Any, events_table: str, transactions_table: str) -> None:
        self.ddb = dynamodb
        self.events_table = events_table
        self.transactions_table = transactions_table

    def head(self, account: str) -> AccountState:
        """The account's state: its last event's balance and version (strongly consistent)."""
        page = self.ddb.query(TableName=self.events_table, KeyConditionExpression="account = :a",
                              ExpressionAttributeValues={":a": {"S": account}}, ScanIndexForward=False,
                              Limit=1, ConsistentRead=True)
        if not page["Items"]:
            return dict(EMPTY)  # type: ignore[return-value]
        last = from_item(page["Items"][0])
        return {"balance": last["balance"], "version": last["version"]}

    def append(self, cmd: Command, accepted_at: int) -> Outcome:
        """Decide and append the command's event, once per transactionId."""
        return self.append_all([(cmd, accepted_at)])[0]

    def append_all(self, commands: list[tuple[Command, int]]) -> list[Outcome]:
        """One account's commands, in order: their events appended in as few transactions as the
        item limit allows, each command once per transactionId; the outcome of each command."""
        outcomes: list[Outcome] = []
        for start in range(0, len(commands), COMMANDS_PER_TRANSACTION):
            outcomes += self._append_chunk(commands[start:start + COMMANDS_PER_TRANSACTION])
        return outcomes

    def _append_chunk(self, commands: list[tuple[Command, int]]) -> list[Outcome]:
        duplicates: set[int] = set()
        seen: set[str] = set()
        for index, (cmd, _) in enumerate(commands):  # a resend within the chunk itself
            if cmd["transactionId"] in seen:
                duplicates.add(index)
            seen.add(cmd["transactionId"])
        for _ in range(CONFLICT_RETRIES):
            state = self.head(commands[0][0]["account"])
            appended: list[tuple[int, Event]] = []
            for index, (cmd, accepted_at) in enumerate(commands):
                if index not in duplicates:
                    event = decide(state, cmd, accepted_at)
                    state = evolve(state, event)
                    appended.append((index, event))
            if not appended:
                break
            try:
                self.ddb.transact_write_items(TransactItems=[item for _, event in appended for item in self._puts(event)])
            except self.ddb.exceptions.TransactionCanceledException as exc:
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                taken = {appended[n // 2][0] for n, code in enumerate(reasons) if n % 2 and code == "ConditionalCheckFailed"}
                conflict = any(code == "ConditionalCheckFailed" for code in reasons[0::2])
                if not taken and not conflict:
                    raise
                duplicates |= taken  # already applied: retry without them (and on a new head after a conflict)
                continue
            break
        else:
            raise ConcurrencyConflict(f"{commands[0][0]['account']}: {CONFLICT_RETRIES} conflicting appends in a row")
        kinds = {index: event["type"] for index, event in appended}
        return ["duplicate" if index in duplicates else "rejected" if kinds[index] == "WithdrawalRejected"
                else "applied" for index in range(len(commands))]

    def _puts(self, event: Event) -> list[dict[str, Any]]:
        """The event at its version (optimistic concurrency) and its transaction's guard (idempotency)."""
        return [{"Put": {"TableName": self.events_table, "Item": to_item(event),
                         "ConditionExpression": "attribute_not_exists(version)"}},
                {"Put": {"TableName": self.transactions_table,
                         "Item": {"transactionId": {"S": event["transactionId"]}, "account": {"S": event["account"]},
                                  "version": {"N": str(event["version"])}},
                         "ConditionExpression": "attribute_not_exists(transactionId)"}}]

    def events(self, account: str) -> Iterator[Event]:
        """An account's events in version order."""
        return self._read(self.ddb.query, KeyConditionExpression="account = :a",
                          ExpressionAttributeValues={":a": {"S": account}})

    def all_events(self) -> Iterator[Event]:
        """Every event of every account (a scan: replay's and the checks' reading, not the hot path)."""
        return self._read(self.ddb.scan)

    def _read(self, operation: Any, **kwargs: Any) -> Iterator[Event]:
        kwargs.update(TableName=self.events_table, ConsistentRead=True)
        while True:
            page = operation(**kwargs)
            yield from (from_item(item) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
