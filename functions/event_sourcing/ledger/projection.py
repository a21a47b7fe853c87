"""The read model: one item per account, ``{"account", "balance", "version"}``.

The projection applies each event exactly once and in order: an update conditioned on the read
model being at the event's previous version (one update for an account's consecutive events of a
batch). A redelivered event finds the read model already at
(or past) its version and is skipped; an event whose predecessor has not arrived yet raises
ProjectionGap, so the stream retries it.
"""

from __future__ import annotations

from typing import Any

from .domain import AccountState, Event, change
from .errors import ProjectionGap


class ReadModel:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self.ddb = dynamodb
        self.table = table

    def apply(self, event: Event) -> bool:
        """Apply one event; False when it was already applied."""
        return self.apply_all([event]) == 1

    def apply_all(self, events: list[Event]) -> int:
        """Apply one account's consecutive events (in version order) in one update; returns how
        many were new (a redelivery finds some or all applied and applies the rest)."""
        first, last = events[0], events[-1]
        if [e["version"] for e in events] != list(range(first["version"], last["version"] + 1)):
            raise ValueError(f"{first['account']}: events are not consecutive versions")
        opening = first["version"] == 1
        try:
            self.ddb.update_item(
                TableName=self.table, Key={"account": {"S": first["account"]}},
                UpdateExpression="SET balance = " + (":change" if opening else "balance + :change") + ", version = :v",
                ConditionExpression="attribute_not_exists(account)" if opening else "version = :previous",
                ExpressionAttributeValues={":change": {"N": str(sum(change(e) for e in events))},
                                           ":v": {"N": str(last["version"])},
                                           **({} if opening else {":previous": {"N": str(first["version"] - 1)}})},
                ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except self.ddb.exceptions.ConditionalCheckFailedException as exc:
            current = int(exc.response.get("Item", {}).get("version", {}).get("N", "0"))
            if current >= last["version"]:
                return 0
            if current < first["version"] - 1:
                raise ProjectionGap(f"{first['account']}: version {first['version']} arrived at version {current}") from exc
            return self.apply_all([e for e in events if e["version"] > current])
        return len(events)

    def get(self, account: str) -> AccountState | None:
        item = self.ddb.get_item(TableName=self.table, Key={"account": {"S": account}}, ConsistentRead=True).get("Item")
        return {"balance": int(item["balance"]["N"]), "version": int(item["version"]["N"])} if item else None

    def put(self, account: str, state: AccountState) -> None:
        self.ddb.put_item(TableName=self.table, Item={"account": {"S": account}, "balance": {"N": str(state["balance"])},
                                                      "version": {"N": str(state["version"])}})

    def all(self) -> dict[str, AccountState]:
        """Every account's state (a scan: for replay's comparison)."""
        states: dict[str, AccountState] = {}
        kwargs: dict[str, Any] = {"TableName": self.table, "ConsistentRead": True}
        while True:
            page = self.ddb.scan(**kwargs)
            for item in page["Items"]:
                states[item["account"]["S"]] = {"balance": int(item["balance"]["N"]), "version": int(item["version"]["N"])}
            if "LastEvaluatedKey" not in page:
                return states
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
