"""What each function's role grants, as the translated template states it: SAM's policy templates
(DynamoDBCrudPolicy, S3ReadPolicy...) arrive here already expanded into IAM statements by the
SAM translator, so the actions and resources shown are the ones AWS would attach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra.docs.values import as_list, refs, text


@dataclass(frozen=True)
class Statement:
    policy: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[Any, ...]  # as the template writes them (intrinsics kept)

    def resource_texts(self) -> list[str]:
        return [text(resource) for resource in self.resources]


def function_roles(resources: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Function logical id -> the logical id of the role it runs with (when the template has it)."""
    roles = {}
    for lid, resource in sorted(resources.items()):
        if resource.get("Type") == "AWS::Lambda::Function":
            named = sorted(refs((resource.get("Properties") or {}).get("Role"), set(resources)))
            if named:
                roles[lid] = named[0]
    return roles


def statements(resources: dict[str, dict[str, Any]], role: str | None) -> list[Statement]:
    """The role's inline statements and those of AWS::IAM::Policy resources attached to it."""
    if role is None or role not in resources:
        return []
    documents = [(policy.get("PolicyName", ""), policy.get("PolicyDocument") or {})
                 for policy in (resources[role].get("Properties") or {}).get("Policies", [])]
    for lid, resource in sorted(resources.items()):
        props = resource.get("Properties") or {}
        if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and role in refs(props.get("Roles")):
            documents.append((text(props.get("PolicyName", lid)), props.get("PolicyDocument") or {}))
    found = []
    for name, document in documents:
        for statement in as_list(document.get("Statement")):
            found.append(Statement(text(name), str(statement.get("Effect", "Allow")),
                                   tuple(str(a) for a in as_list(statement.get("Action"))),
                                   tuple(as_list(statement.get("Resource")))))
    return found


def managed_policies(resources: dict[str, dict[str, Any]], role: str | None) -> list[str]:
    if role is None or role not in resources:
        return []
    return sorted(text(arn) for arn in (resources[role].get("Properties") or {}).get("ManagedPolicyArns", []))
