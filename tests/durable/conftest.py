"""Fixtures for the durable objects library: an embedded cloud on a virtual clock with one table
shaped as the patterns' templates make it (pk, sk strings), and namespaces over it.

The library is imported as handlers import it (``import durable_objects``, from functions/shared),
so tests and handlers share one module.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2] / "functions" / "shared"
if str(SHARED) not in sys.path:
    sys.path.insert(0, str(SHARED))

from durable_objects import Namespace  # noqa: E402

from infra.cloud import Cloud  # noqa: E402


def create_table(ddb: Any) -> str:
    name = f"objects-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    return name


@pytest.fixture
def table(cloud: Cloud) -> str:
    return create_table(cloud.client("dynamodb"))


@pytest.fixture
def another_table(cloud: Cloud) -> str:
    return create_table(cloud.client("dynamodb"))


@pytest.fixture
def namespace(cloud: Cloud, table: str) -> Callable[..., Namespace]:
    """``namespace(Counter, client=..., lease_seconds=...)`` over the test's table and virtual clock."""

    def make(cls: type, **kwargs: Any) -> Namespace:
        kwargs.setdefault("client", cloud.client("dynamodb"))
        kwargs.setdefault("clock", cloud.clock)
        return Namespace(cls, table=table, **kwargs)

    return make
