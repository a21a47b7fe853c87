"""The customers service that replaces the monolith's GET /legacy/customers/{id} once the route is
migrated (the strangler fig; see the pattern's README): same URL, same answer, new owner."""

from __future__ import annotations

import json
from typing import Any

CUSTOMERS = {"42": {"id": "42", "name": "Ada Lovelace", "tier": "gold"},
             "7": {"id": "7", "name": "Grace Hopper", "tier": "silver"}}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    customer_id = (event.get("pathParameters") or {}).get("id", "")
    customer = CUSTOMERS.get(customer_id)
    status, body = (200, {**customer, "source": "customers-service"}) if customer else (
        404, {"message": f"no customer {customer_id}", "source": "customers-service"})
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
