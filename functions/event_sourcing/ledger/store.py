"""The event store: one DynamoDB item per event, key (account, version), versions 1, 2, 3...

An append is one TransactWriteItems of two conditional puts: the event at the head's version + 1
(``attribute_not_exists``: optimistic concurrency — a concurrent writer that got there first makes
this one re-read the head and decide again) and a guard item keyed by the transactionId in the
transactions table (``attribute_not_exists``: a redelivered or resent transaction is never applied
twice). Both or neither are written.
"""

from __future__ import annotations

from typing import Any, Iterator, Literal

from .domain import EMPTY, AccountState, Command, Event, decide
from .errors import ConcurrencyConflict

Outcome = Literal["applied", "rejected", "duplicate"]
CONFLICT_RETRIES = 20


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
        for _ in range(CONFLICT_RETRIES):
            event = decide(self.head(cmd["account"]), cmd, accepted_at)
            try:
                self.ddb.transact_write_items(TransactItems=[
                    {"Put": {"TableName": self.events_table, "Item": to_item(event),
                             "ConditionExpression": "attribute_not_exists(version)"}},
                    {"Put": {"TableName": self.transactions_table,
                             "Item": {"transactionId": {"S": cmd["transactionId"]}, "account": {"S": cmd["account"]},
                                      "version": {"N": str(event["version"])}},
                             "ConditionExpression": "attribute_not_exists(transactionId)"}}])
            except self.ddb.exceptions.TransactionCanceledException as exc:
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                    return "duplicate"
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    continue  # another writer took this version: decide again on the new head
                raise
            return "rejected" if event["type"] == "WithdrawalRejected" else "applied"
        raise ConcurrencyConflict(f"{cmd['account']}: {CONFLICT_RETRIES} conflicting appends in a row")

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
