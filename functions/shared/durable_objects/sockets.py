"""WebSocket connections attached to an object (API Gateway WebSocket APIs).

    self.state.websockets.accept(connection_id, tags=["player"])   # in $connect's request
    self.state.websockets.broadcast({"seq": 3, "message": "hi"})   # after the commit
    self.state.websockets.get("player")                            # connection ids

An attachment is an item in the object's partition (sort key ``w#<connection id>``) plus a
pointer item ``@connection#<id>`` naming the object, both written in the request's transaction;
``Namespace``-independent helpers find the object of a connection on ``$disconnect``. Messages
are posted (``apigatewaymanagementapi.post_to_connection``) only after the request committed —
the output gate — and a connection API Gateway reports gone (410) is detached.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable

from durable_objects import runtime

PREFIX = "w#"


def pointer_key(connection_id: str) -> str:
    return f"@connection#{connection_id}"


class Sockets:
    def __init__(self, state: Any) -> None:
        self.state = state
        self.storage = state.storage

    def accept(self, connection_id: str, tags: Iterable[str] = ()) -> None:
        tags = sorted(set(tags))
        self.storage.stage_record(self.storage.pk, PREFIX + connection_id, {"tags": {"S": json.dumps(tags)}})
        self.storage.stage_record(pointer_key(connection_id), "!", {
            "namespace": {"S": self.state.namespace.name}, "object": {"S": self.state.id.hex}})

    def detach(self, connection_id: str) -> None:
        self.storage.stage_record(self.storage.pk, PREFIX + connection_id, None)
        self.storage.stage_record(pointer_key(connection_id), "!", None)

    def get(self, tag: str | None = None) -> list[str]:
        gate = self.storage._gate
        found: dict[str, list[str]] = {}
        kwargs: dict[str, Any] = {"TableName": gate.table, "ConsistentRead": True,
                                  "KeyConditionExpression": "pk = :pk AND begins_with(sk, :w)",
                                  "ExpressionAttributeValues": {":pk": {"S": self.storage.pk}, ":w": {"S": PREFIX}}}
        while True:
            page = gate.call("query", **kwargs)
            for item in page["Items"]:
                found[item["sk"]["S"][len(PREFIX):]] = json.loads(item["tags"]["S"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        for (pk, sk), record in self.storage.records.items():
            if pk == self.storage.pk and sk.startswith(PREFIX):
                connection = sk[len(PREFIX):]
                if record is None:
                    found.pop(connection, None)
                else:
                    found[connection] = json.loads(record["tags"]["S"])
        return sorted(c for c, tags in found.items() if tag is None or tag in tags)

    def send(self, connection_id: str, message: Any) -> None:
        """Queued: delivered after the request commits."""
        self.state.outbox.append((connection_id, message))

    def broadcast(self, message: Any, tag: str | None = None, exclude: Iterable[str] = ()) -> int:
        skip = set(exclude)
        targets = [c for c in self.get(tag) if c not in skip]
        for connection in targets:
            self.send(connection, message)
        return len(targets)


def management_client(endpoint: str | None = None) -> Any:
    endpoint = endpoint or os.environ.get("DURABLE_OBJECTS_WEBSOCKET_ENDPOINT")
    if not endpoint:
        raise RuntimeError("set DURABLE_OBJECTS_WEBSOCKET_ENDPOINT to https://{api}.execute-api.{region}."
                           "amazonaws.com/{stage} so objects can post to their connections")
    return runtime.client("apigatewaymanagementapi", endpoint)


def reply(event: dict[str, Any], message: Any) -> None:
    """Post straight back to the connection a WebSocket event came from (outside any object's
    request, so no output gate applies: used for answers that change no state)."""
    context = event["requestContext"]
    client = management_client(f"https://{context['domainName']}/{context['stage']}")
    client.post_to_connection(ConnectionId=context["connectionId"], Data=json.dumps(message).encode())


def deliver(state: Any) -> list[str]:
    """Post the request's queued messages; detach connections that are gone. Returns gone ids."""
    client = management_client(getattr(state.namespace, "websocket_endpoint", None))
    gone: list[str] = []
    for connection, message in state.outbox:
        if connection in gone:
            continue
        data = message if isinstance(message, (bytes, str)) else json.dumps(message)
        try:
            client.post_to_connection(ConnectionId=connection, Data=data.encode() if isinstance(data, str) else data)
        except client.exceptions.GoneException:
            gone.append(connection)
    gate = state.storage._gate
    for connection in gone:  # ids are unique and never reused: removing them needs no lease
        gate.call("delete_item", TableName=gate.table, Key={"pk": {"S": state.storage.pk}, "sk": {"S": PREFIX + connection}})
        gate.call("delete_item", TableName=gate.table, Key={"pk": {"S": pointer_key(connection)}, "sk": {"S": "!"}})
    return gone


def object_of_connection(namespace: Any, connection_id: str) -> Any:
    """The id of the object a connection is attached to in this namespace, or None."""
    item = namespace.client.get_item(TableName=namespace.table, ConsistentRead=True,
                                     Key={"pk": {"S": pointer_key(connection_id)}, "sk": {"S": "!"}}).get("Item")
    if not item or item["namespace"]["S"] != namespace.name:
        return None
    return namespace.id_from_string(item["object"]["S"])
