"""The atomic counter (the Durable Objects talk's example) behind a REST API:
POST /counters/{name}/increment and GET /counters/{name} answer {"value": n}.

The object's code is a plain read-modify-write with no locking: the library's input gate (one
request at a time per object, across every Lambda) is what makes it correct.
"""

from __future__ import annotations

import json
import re
from typing import Any

from durable_objects import DurableObject, LeaseLostError, Namespace, ObjectBusyError

NAME = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


class Counter(DurableObject):
    def increment(self) -> int:
        value = self.storage.get("value", 0) + 1
        self.storage.put("value", value)
        return value

    def read(self) -> int:
        return self.storage.get("value", 0)


counters = Namespace(Counter)


def _answer(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    name = (event.get("pathParameters") or {}).get("name", "")
    if not NAME.fullmatch(name):
        return _answer(400, {"error": f"a counter name is 1-128 of A-Z a-z 0-9 _ . : -, not {name[:40]!r}"})
    stub = counters.get(counters.id_from_name(name))
    try:
        if event.get("httpMethod") == "POST" and event.get("resource", "").endswith("/increment"):
            return _answer(200, {"value": stub.increment()})
        if event.get("httpMethod") == "GET":
            return _answer(200, {"value": stub.read()})
    except (ObjectBusyError, LeaseLostError) as exc:  # not applied: the client may retry
        return _answer(503, {"error": str(exc)})
    return _answer(404, {"error": f"no route {event.get('httpMethod')} {event.get('resource')}"})
