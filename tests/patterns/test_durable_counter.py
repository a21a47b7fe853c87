"""The durable-counter pattern end to end on the embedded target, over real HTTP."""

from __future__ import annotations

import pytest

from infra.cloud import Cloud
from infra.compute.clock import VirtualClock
from patterns.api_client import api_url, call
from patterns.durable_counter import workload


@pytest.fixture(scope="module")
def counter():
    cloud = Cloud.embedded(clock=VirtualClock())
    stack = cloud.deploy("durable-counter")
    yield cloud, stack, api_url(cloud, stack)
    cloud.close()


def test_concurrent_increments_each_get_their_own_value(counter):
    cloud, stack, _ = counter
    result = workload.run(cloud, stack)
    assert workload.outcome(result) == {"values": {"hits": 160, "other": 20},
                                        "contiguous": {"hits": True, "other": True},
                                        "errors": [], "bad_name": 400}


def test_increment_and_read_answer_the_value_as_json(counter):
    _, _, base = counter
    assert call("GET", f"{base}/counters/fresh").body == {"value": 0}
    assert call("POST", f"{base}/counters/fresh/increment").body == {"value": 1}
    assert call("POST", f"{base}/counters/fresh/increment").body == {"value": 2}
    answer = call("GET", f"{base}/counters/fresh")
    assert answer.status == 200 and answer.body == {"value": 2}
    assert answer.headers["Content-Type"] == "application/json"


def test_bad_name_and_unknown_route_are_refused_and_the_counter_is_unharmed(counter):
    _, _, base = counter
    call("POST", f"{base}/counters/sturdy/increment")
    assert call("POST", f"{base}/counters/bad%20name!/increment").status == 400
    assert call("DELETE", f"{base}/counters/sturdy").status in (403, 404)  # no such route in the API
    assert call("POST", f"{base}/counters/sturdy/reset").status in (403, 404)
    assert call("GET", f"{base}/counters/sturdy").body == {"value": 1}


def test_state_lives_in_the_objects_table_written_by_transactions_only(counter):
    cloud, stack, base = counter
    call("POST", f"{base}/counters/audited/increment")
    items = cloud.client("dynamodb").scan(TableName=stack.outputs["TableName"])["Items"]
    values = [i for i in items if i["sk"]["S"] == "v#0#value" and i["val"]["S"] == "1"]
    metas = [i for i in items if i["sk"]["S"] == "!meta"]
    assert values and metas and all("o" not in m for m in metas)  # every lease was released
