"""The read side behind API Gateway's Lambda proxy integration.

    GET /accounts/{id}          {"account", "balance", "version"} from the read model (404: no such account)
    GET /accounts/{id}/events   {"account", "events": [...]} from the event store, in version order
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from aws_runtime import client
from ledger.projection import ReadModel
from ledger.store import EventStore

app = APIGatewayRestResolver()


@app.get("/accounts/<account>")
def get_account(account: str) -> dict[str, Any]:
    state = ReadModel(client("dynamodb"), os.environ["ACCOUNTS_TABLE"]).get(account)
    if state is None:
        raise NotFoundError(f"no account {account}")
    return {"account": account, **state}


@app.get("/accounts/<account>/events")
def get_events(account: str) -> dict[str, Any]:
    store = EventStore(client("dynamodb"), os.environ["EVENTS_TABLE"], os.environ["TRANSACTIONS_TABLE"])
    events = list(store.events(account))
    if not events:
        raise NotFoundError(f"no account {account}")
    return {"account": account, "events": events}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
