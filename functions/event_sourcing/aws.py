"""The function's DynamoDB client, built from the environment it runs with and kept warm between
invocations of one execution environment (one per endpoint and region)."""

from __future__ import annotations

import functools
import os
from typing import Any

import boto3


def dynamodb() -> Any:
    return _client("dynamodb", os.environ.get("AWS_ENDPOINT_URL", ""), os.environ.get("AWS_REGION", ""))


@functools.lru_cache(maxsize=8)
def _client(service: str, endpoint: str, region: str) -> Any:
    return boto3.client(service)
