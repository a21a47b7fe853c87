"""The function's DynamoDB client, built from the environment it runs with and kept warm between
invocations of one execution environment (one per endpoint, region and credentials)."""

from __future__ import annotations

import functools
import os
from typing import Any

import boto3


def dynamodb() -> Any:
    # keyed by the credentials too: the functions sharing this module each sign with their own role
    return _client("dynamodb", os.environ.get("AWS_ENDPOINT_URL", ""), os.environ.get("AWS_REGION", ""),
                   os.environ.get("AWS_ACCESS_KEY_ID", ""))


@functools.lru_cache(maxsize=32)
def _client(service: str, endpoint: str, region: str, access_key: str) -> Any:
    return boto3.client(service)
