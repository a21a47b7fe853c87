"""The resource graph a page is drawn from: nodes (resources, and the outside parties a template
implies: a client, an HTTP backend, a scheduler creating schedules at run time) and typed edges."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from infra.docs.values import refs, shown, text

# edge kinds: how one node reaches another
EVENT_SOURCE_MAPPING = "event source mapping"
S3_NOTIFICATION = "S3 notification"
SNS_SUBSCRIPTION = "SNS subscription"
API_INTEGRATION = "API integration"
STATE_MACHINE_TASK = "state machine task"
SCHEDULE = "rule or schedule"
PIPE = "pipe"
ALARM_ACTION = "alarm action"
DEAD_LETTER_QUEUE = "dead-letter queue"
DESTINATION = "destination"
CLIENT_CALL = "client call"
REFERENCE = "reference"  # a Ref/GetAtt (or name) in a function's environment or permissions

FLOW_KINDS = (CLIENT_CALL, API_INTEGRATION, S3_NOTIFICATION, SNS_SUBSCRIPTION, EVENT_SOURCE_MAPPING, PIPE,
              STATE_MACHINE_TASK, SCHEDULE, ALARM_ACTION)
FAILURE_KINDS = (DEAD_LETTER_QUEUE, DESTINATION)

# names a resource may be given explicitly, by which other values can point at it
_NAME_PROPERTIES = ("FunctionName", "QueueName", "TopicName", "TableName", "BucketName", "StateMachineName",
                    "StreamName", "EventBusName")


@dataclass(frozen=True, order=True)
class Node:
    id: str
    kind: str  # what it is, in words: "Lambda function", "client", "HTTP endpoint"
    type: str = ""  # the CloudFormation type ("" for a party outside the template)


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    target: str
    kind: str
    label: str = ""
    origin: str = ""  # the logical id that declares it (a mapping, a subscription, a route)
    settings: tuple[tuple[str, str], ...] = ()


@dataclass
class Graph:
    nodes: dict[str, Node]
    edges: list[Edge] = field(default_factory=list)

    def out_of(self, node_id: str, kinds: tuple[str, ...] | None = None) -> list[Edge]:
        return [e for e in self.edges if e.source == node_id and (kinds is None or e.kind in kinds)]

    def into(self, node_id: str, kinds: tuple[str, ...] | None = None) -> list[Edge]:
        return [e for e in self.edges if e.target == node_id and (kinds is None or e.kind in kinds)]

    def of_kind(self, *kinds: str) -> list[Edge]:
        return [e for e in self.edges if e.kind in kinds]


class Context:
    """What the edge finders share: the resources, the parameters' defaults, the nodes so far."""

    def __init__(self, resources: dict[str, dict[str, Any]], parameters: dict[str, Any],
                 nodes: dict[str, Node]) -> None:
        self.resources = resources
        self.parameters = parameters
        self.nodes = nodes
        self._names = self._explicit_names()

    def of_type(self, *types: str) -> list[tuple[str, dict[str, Any]]]:
        """(logical id, Properties) of every resource of these types, in logical id order."""
        return [(lid, r.get("Properties") or {}) for lid, r in sorted(self.resources.items())
                if r.get("Type") in types]

    def targets(self, value: Any) -> list[str]:
        """The graph nodes a value points at: by Ref/GetAtt/Sub, or by a resource's explicit name
        (the value itself, or written into an ARN)."""
        found = refs(value, set(self.resources))
        written = text(value)
        for name, logical_id in self._names.items():
            if written == name or ("arn:" in written and re.search(rf"[:/]{re.escape(name)}($|[:/])", written)):
                found.add(logical_id)
        return sorted(node for node in found if node in self.nodes)

    def target(self, value: Any) -> str | None:
        found = self.targets(value)
        return found[0] if found else None

    def external(self, node_id: str, kind: str) -> str:
        """A party outside the template (created on first use)."""
        self.nodes.setdefault(node_id, Node(node_id, kind))
        return node_id

    def _explicit_names(self) -> dict[str, str]:
        names = {}
        for logical_id, resource in sorted(self.resources.items()):
            for prop in _NAME_PROPERTIES:
                value = (resource.get("Properties") or {}).get(prop)
                if value is not None and not (isinstance(value, dict) and "Ref" in value):
                    names[text(value)] = logical_id
        return names


def settings(properties: dict[str, Any], skip: tuple[str, ...],
             parameters: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """A resource's properties as (name, shown value) pairs, sorted, without the ``skip``ped ones."""
    return tuple((key, shown(value, parameters)) for key, value in sorted(properties.items()) if key not in skip)
