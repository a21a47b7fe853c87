"""boto3 clients built from the environment the function runs with, one per execution
environment and endpoint (the way a Lambda keeps its clients warm between invocations)."""

from __future__ import annotations

import os
import threading
from typing import Any

import boto3

_clients: dict[tuple[str, ...], Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    # keyed by the credentials too: functions sharing this module each sign with their own role
    key = (service, os.environ.get("AWS_ENDPOINT_URL", ""), os.environ.get("AWS_REGION", ""),
           os.environ.get("AWS_ACCESS_KEY_ID", ""))
    with _lock:
        if key not in _clients:
            _clients[key] = boto3.client(service)
        return _clients[key]
