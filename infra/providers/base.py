"""What every provider module builds on: the deploy context, the Provider record, and small
helpers for creating and deleting resources through boto3."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

Created = tuple[str, dict[str, Any]]  # physical id, attributes (Fn::GetAtt)


@dataclass
class DeployContext:
    stack_name: str
    region: str
    account_id: str
    client: Callable[[str], Any]

    def physical_name(self, logical_id: str, max_length: int = 64, lower: bool = False) -> str:
        suffix = uuid.uuid4().hex[:8]
        name = f"{self.stack_name}-{logical_id}"[: max_length - 9] + f"-{suffix}"
        return name.lower() if lower else name

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"


@dataclass(frozen=True)
class Provider:
    properties: frozenset[str]
    create: Callable[[DeployContext, str, dict[str, Any]], Created]
    delete: Callable[[DeployContext, str, dict[str, Any]], None]


@contextmanager
def undone_on_failure(undo: Callable[[], None]) -> Iterator[None]:
    """A resource made in several calls: when a later call fails, delete what the first made
    (the deploy only rolls back resources that were created completely)."""
    try:
        yield
    except Exception:
        try:
            undo()
        except Exception:  # noqa: BLE001 - the original error is the one to report
            pass
        raise


def tags(props: dict[str, Any]) -> list[dict[str, str]]:
    tags = props.get("Tags", [])
    return [{"Key": k, "Value": v} for k, v in tags.items()] if isinstance(tags, dict) else tags


def deleter(client: str, method: str, key: str) -> Callable[[DeployContext, str, dict[str, Any]], None]:
    def delete(ctx: DeployContext, physical_id: str, attrs: dict[str, Any]) -> None:
        getattr(ctx.client(client), method)(**{key: physical_id})
    return delete


def no_delete(ctx: DeployContext, physical_id: str, attrs: dict[str, Any]) -> None:
    """Deleted with the resource it configures."""


def property_set(*names: str) -> frozenset[str]:
    return frozenset(names)
