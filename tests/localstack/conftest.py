"""The LocalStack tier's one way to find its endpoint, or skip with the reason."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from infra.targets import localstack_endpoint


@pytest.fixture(scope="session")
def endpoint() -> str:
    """The LocalStack endpoint found as localstack-client finds it; skips when none answers."""
    url = localstack_endpoint()
    try:
        with urllib.request.urlopen(f"{url}/_localstack/health", timeout=3) as response:
            json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        pytest.skip(f"no LocalStack answers at {url} ({getattr(exc, 'reason', exc)}): "
                    f"start one with 'python -m infra.localstack start'")
    return url
