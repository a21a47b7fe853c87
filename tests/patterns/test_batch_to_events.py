"""batch-to-events end to end on the embedded target: a simulated day, the three totals equal to
the orders sent; the nightly rule firing off the clock; re-runs and redeliveries adding nothing."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from infra.cloud import Cloud
from infra.exceptions import ToolkitError
from infra.workload import broken
from patterns.batch_to_events import workload
from patterns.batch_to_events.orders import DAY


@pytest.fixture
def deployed(cloud: Cloud):
    return cloud, cloud.deploy("batch-to-events")


def totals(cloud: Cloud, stack, way: str) -> dict[str, tuple[int, int]]:
    items = cloud.client("dynamodb").query(
        TableName=stack.outputs["TotalsTableName"], KeyConditionExpression="#w = :w",
        ExpressionAttributeNames={"#w": "way"}, ExpressionAttributeValues={":w": {"S": way}})["Items"]
    return {i["key"]["S"]: (int(i["total_cents"]["N"]), int(i["orders"]["N"])) for i in items}


def put_order(cloud: Cloud, stack, order_id: str, store: str, cents: int, at: float) -> None:
    day = workload.time.strftime("%Y-%m-%d", workload.time.gmtime(at))
    cloud.client("dynamodb").put_item(TableName=stack.outputs["OrdersTableName"], Item={
        "day": {"S": day}, "order_id": {"S": order_id}, "store": {"S": store},
        "amount_cents": {"N": str(cents)}, "at": {"N": str(at)}})


def test_a_simulated_day_gives_the_same_totals_three_ways_and_the_latencies_differ_by_orders_of_magnitude(deployed):
    cloud, stack = deployed
    result = workload.run(cloud, stack, orders_per_day=40)

    assert not broken(workload.invariants(result)), [i.line() for i in workload.invariants(result)]
    ways = result["ways"]
    assert sum(count for _, count in result["expected"].values()) == 40
    assert ways["events"]["latency_s"]["max"] < 1
    assert 0 < ways["windows"]["latency_s"]["max"] <= result["window_seconds"] + 2
    assert ways["batch"]["latency_s"]["median"] > 3600  # totals wait for the night
    assert ways["events"]["invocations"] >= 40 and ways["batch"]["invocations"] == 2  # the night before, and this one
    assert all(sum(ways[w]["cost_usd"].values()) > 0 for w in workload.WAYS)
    assert any("batch" in line for line in workload.summary_lines(result))


def test_the_invariants_break_when_one_way_is_off_by_a_cent(deployed):
    cloud, stack = deployed
    result = workload.run(cloud, stack, orders_per_day=10)
    store = next(iter(result["expected"]))
    result["ways"]["windows"]["totals"][store][0] += 1

    names = [i.name for i in broken(workload.invariants(result))]
    assert names == ["windows totals equal the orders sent", "the three ways agree exactly"]


def test_the_nightly_rule_totals_the_previous_day_at_five_past_midnight_not_before(deployed):
    cloud, stack = deployed
    clock = cloud.plane.clock
    clock.advance(DAY - clock.now() % DAY + 3600)  # 01:00 on a new day
    put_order(cloud, stack, "a", "rome", 250, clock.now())
    put_order(cloud, stack, "b", "rome", 100, clock.now() + 60)
    cloud.drain()
    day = workload.time.strftime("%Y-%m-%d", workload.time.gmtime(clock.now()))

    clock.advance(DAY - clock.now() % DAY + 4 * 60)  # 00:04 the next night
    cloud.plane.run_until_idle()
    assert f"{day}#rome" not in totals(cloud, stack, "batch")
    clock.advance(60)  # 00:05
    cloud.drain()
    assert totals(cloud, stack, "batch")[f"{day}#rome"] == (350, 2)
    assert totals(cloud, stack, "events")[f"{day}#rome"] == (350, 2)


def test_a_rerun_of_a_day_and_a_redelivered_order_change_no_total(deployed):
    cloud, stack = deployed
    at = cloud.clock.now()
    put_order(cloud, stack, "c", "oslo", 999, at)
    cloud.drain()
    day = workload.time.strftime("%Y-%m-%d", workload.time.gmtime(at))
    lam = cloud.client("lambda")
    for _ in range(2):
        lam.invoke(FunctionName=stack.outputs["NightlyBatchFunctionName"], Payload=json.dumps({"day": day}))
    stream_arn = cloud.client("dynamodb").describe_table(TableName=stack.outputs["OrdersTableName"])["Table"]["LatestStreamArn"]
    redelivered = {"Records": [{"eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb", "eventSourceARN": stream_arn,
                                "dynamodb": {"SequenceNumber": "1", "NewImage": {
                                    "day": {"S": day}, "order_id": {"S": "c"}, "store": {"S": "oslo"},
                                    "amount_cents": {"N": "999"}, "at": {"N": str(at)}}}}]}
    answer = json.loads(lam.invoke(FunctionName=stack.outputs["OrderEventsFunctionName"],
                                   Payload=json.dumps(redelivered))["Payload"].read())

    assert answer == {"batchItemFailures": []}
    assert totals(cloud, stack, "batch")[f"{day}#oslo"] == (999, 1)
    assert totals(cloud, stack, "events")[f"{day}#oslo"] == (999, 1)


def test_run_refuses_a_target_whose_plane_is_not_on_a_virtual_clock(deployed):
    _, stack = deployed
    elsewhere = SimpleNamespace(plane=None)  # LocalStack or AWS: the functions run there, on their clock

    with pytest.raises(ToolkitError, match="virtual clock"):
        workload.run(elsewhere, stack)
