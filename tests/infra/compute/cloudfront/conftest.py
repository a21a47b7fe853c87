"""The front door tests' distribution, deployed fresh per test on the virtual clock with its
scripted HTTP origin (tests_cloudfront_support.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests_cloudfront_support import TEMPLATE, ScriptedOrigin, Site, start_origin


@pytest.fixture
def site(cloud: Any) -> Any:
    origin = ScriptedOrigin()
    server = start_origin(origin)
    stack = cloud.deploy("fixture", template=TEMPLATE, stack_name=f"cdn-{uuid.uuid4().hex[:8]}",
                         parameters={"OriginPort": str(origin.port)})
    found = Site(cloud, stack, origin)
    found.put_object("index.html", "<h1>home</h1>", ContentType="text/html")
    yield found
    server.shutdown()
    server.server_close()
