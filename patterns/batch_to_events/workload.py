"""One job three ways: a day's sales per store totalled by a nightly batch (EventBridge cron), Kinesis tumbling windows, and event-driven updates (DynamoDB Streams).

The demo simulates a day of orders on the plane's virtual clock (a few seconds of wall time):
each order is written to the Orders table and put on the orders stream at its time; the windows
close through the day; the next night the scheduled rule runs the batch. It reports, per way,
the time from an order's arrival to its total being visible, peak concurrent executions,
invocations and the cost of a day, and checks that the three totals agree exactly with each
other and with the orders sent (bad orders rejected by every way, nothing on a failure queue).
"""

from __future__ import annotations

import json
import statistics
import time
from decimal import Decimal
from typing import Any, Callable

import boto3

from infra.compute.sources.eventbridge import schedules
from infra.compute.sources.failures import iso_time  # the window start as Lambda's tumbling-window event gives it
from infra.exceptions import ToolkitError
from infra.workload import Invariant, Operation
from patterns.batch_to_events import costs
from patterns.batch_to_events.observe import Visibility, handler_seconds, peak_concurrency, rejected_by, totals_of
from patterns.batch_to_events.orders import DAY, day_of_orders, expected_totals, well_formed

OPERATION = Operation("order totalled", differs="each order totalled three ways at once: batch, windows, events")
NEEDS_VIRTUAL_CLOCK = True  # run drives the plane's clock through a day: embedded only
ORDERS_PER_DAY = 300  # a small chain's day; each order is a step of the clock (≈40 ms of wall time)
WAYS = ("batch", "windows", "events")
FUNCTIONS = {"batch": "NightlyBatchFunctionName", "windows": "WindowTotalsFunctionName",
             "events": "OrderEventsFunctionName"}


def run(cloud: Any, stack: Any, progress: Callable[[str], None] = lambda message: None,
        orders_per_day: int = ORDERS_PER_DAY) -> dict[str, Any]:
    plane = cloud.plane
    if plane is None or not getattr(plane.clock, "virtual", False):
        raise ToolkitError("batch-to-events simulates a day on the plane's virtual clock: run it on the "
                           "embedded target (deploy it to LocalStack or AWS to use it there)")
    started = time.perf_counter()
    clock = plane.clock
    clock.advance(DAY - clock.now() % DAY)  # midnight UTC: the simulated day starts
    day_start = clock.now()
    day = time.strftime("%Y-%m-%d", time.gmtime(day_start))
    orders = day_of_orders(day_start, orders_per_day)
    window = _window_seconds(cloud, stack)
    batch_at = _next_batch(cloud, stack, day_start + DAY)
    resource = boto3.resource("dynamodb", region_name=cloud.target.region)  # embedded: moto in this process
    orders_table = resource.Table(stack.outputs["OrdersTableName"])
    totals = resource.Table(stack.outputs["TotalsTableName"])
    kinesis = cloud.client("kinesis")
    seen = Visibility(totals, day)
    steps = sorted({o["at"] for o in orders} | {(o["at"] // window + 1) * window + 1 for o in orders} | {batch_at + 1})
    progress(f"{day}: {len(orders)} orders ({sum(not well_formed(o) for o in orders)} malformed) at their times, "
             f"{window} s windows, the nightly batch at {iso_time(batch_at)}")
    by_time: dict[float, list[dict[str, Any]]] = {}
    for order in orders:
        by_time.setdefault(order["at"], []).append(order)
    for step in steps:
        clock.advance(max(0.0, step - clock.now()))
        for order in by_time.get(step, []):
            item = {**order, "day": time.strftime("%Y-%m-%d", time.gmtime(order["at"]))}  # the table's partition
            orders_table.put_item(Item=json.loads(json.dumps(item), parse_float=Decimal))
            shard = kinesis.put_record(StreamName=stack.outputs["OrdersStreamName"], Data=json.dumps(order).encode(),
                                       PartitionKey=order["order_id"])["ShardId"]
            if well_formed(order):  # now, not the planned step: a timed-out invocation (faults) takes clock time
                arrived = clock.now()
                seen.arrive(order["order_id"], arrived, iso_time(arrived // window * window), shard)
        before = _invocations(cloud, stack)
        plane.run_until_idle()
        after = _invocations(cloud, stack)
        seen.look(clock.now(), {way for way in WAYS if after[way] != before[way]})
    cloud.drain()
    seen.look(clock.now(), set(WAYS))
    progress(f"simulated {(clock.now() - day_start) / 3600:.1f} h in {time.perf_counter() - started:.1f} s")
    return _report(cloud, stack, orders, day, seen, totals, window, time.perf_counter() - started)


def _invocations(cloud: Any, stack: Any) -> dict[str, int]:
    """Invocations of each way's function so far (what ran since the last look)."""
    counted = cloud.plane.executor.totals
    return {way: getattr(counted.get(stack.outputs[FUNCTIONS[way]]), "invocations", 0) for way in WAYS}


def _window_seconds(cloud: Any, stack: Any) -> int:
    mappings = cloud.client("lambda").list_event_source_mappings(FunctionName=stack.outputs["WindowTotalsFunctionName"])
    return int(mappings["EventSourceMappings"][0]["TumblingWindowInSeconds"])


def _next_batch(cloud: Any, stack: Any, day_end: float) -> float:
    """When the nightly rule fires after the day ends (rate rules: at most one period after)."""
    events = cloud.client("events")
    arn = cloud.client("lambda").get_function(FunctionName=stack.outputs["NightlyBatchFunctionName"])["Configuration"]["FunctionArn"]
    rule = events.describe_rule(Name=events.list_rule_names_by_target(TargetArn=arn)["RuleNames"][0])
    expression = schedules.parse(rule["ScheduleExpression"])
    if isinstance(expression, schedules.Rate):
        return day_end + expression.seconds
    return expression.next_after(day_end - 1)


def _report(cloud: Any, stack: Any, orders: list[dict[str, Any]], day: str, seen: Visibility, totals: Any,
            window: int, seconds: float) -> dict[str, Any]:
    invocations = cloud.invocations()
    executor_totals = cloud.plane.executor.totals
    ways: dict[str, Any] = {}
    metered: dict[str, dict[str, Any]] = {}
    for way in WAYS:
        function = stack.outputs[FUNCTIONS[way]]
        counted = executor_totals.get(function)
        latencies = seen.latencies(way, handler_seconds(invocations, function))
        ways[way] = {"totals": totals_of(totals, way, day), "rejected": rejected_by(totals, way, day),
                     "visible": len(latencies), "invocations": counted.invocations if counted else 0,
                     "errors": counted.errors if counted else 0,
                     "peak_concurrency": peak_concurrency(invocations, function),
                     "latency_s": _summary(latencies)}
        metered[way] = {"invocations": ways[way]["invocations"], "gb_seconds": counted.gb_seconds if counted else 0.0}
    run_item = totals.get_item(Key={"way": "batch#runs", "key": day}).get("Item") or {}
    closed = totals.query(KeyConditionExpression="#w = :w", ExpressionAttributeNames={"#w": "way"},
                          ExpressionAttributeValues={":w": "windows#closed"})["Items"]
    metered["batch"].update(bytes_read=int(run_item.get("bytes_read", 0)), stores=int(run_item.get("stores", 0)))
    metered["windows"].update(shards=_shards(cloud, stack), records=len(orders), closed=len(closed),
                              store_days=sum(int(item["stores"]) for item in closed))
    metered["events"].update(applied=len(seen.visible["events"]))
    for way, items in costs.way_costs(metered).items():
        ways[way]["cost_usd"] = items
    sqs = cloud.client("sqs")
    queues = {name: int(sqs.get_queue_attributes(QueueUrl=stack.outputs[name], AttributeNames=["ApproximateNumberOfMessages"])
                        ["Attributes"]["ApproximateNumberOfMessages"])
              for name in ("FailedBatchesQueueUrl", "ScheduleDeadLetterQueueUrl")}
    expected = {store: list(v) for store, v in expected_totals(orders, day).items()}
    return {"day": day, "operations": len(orders), "orders": sum(well_formed(o) for o in orders), "malformed": sum(not well_formed(o) for o in orders),
            "window_seconds": window, "expected": expected, "ways": ways, "queues": queues,
            "failed_async": len(cloud.plane.failed_async), "prices": {"as_of": costs.PRICES.as_of, "region": costs.PRICES.region},
            "seconds": seconds}


def _shards(cloud: Any, stack: Any) -> int:
    summary = cloud.client("kinesis").describe_stream_summary(StreamName=stack.outputs["OrdersStreamName"])
    return int(summary["StreamDescriptionSummary"]["OpenShardCount"])


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"median": float("nan"), "p95": float("nan"), "max": float("nan")}
    return {"median": statistics.median(values), "p95": values[min(len(values) - 1, int(len(values) * 0.95))],
            "max": values[-1]}


def outcome(result: dict[str, Any]) -> dict[str, Any]:
    """What must come out the same on every target: the expected totals and each way's."""
    return {"expected": result["expected"], "totals": {way: result["ways"][way]["totals"] for way in WAYS},
            "rejected": {way: result["ways"][way]["rejected"] for way in WAYS}}


def invariants(result: dict[str, Any]) -> list[Invariant]:
    expected = result["expected"]
    checks = [Invariant(f"{way} totals equal the orders sent", result["ways"][way]["totals"] == expected,
                        _difference(result["ways"][way]["totals"], expected)) for way in WAYS]
    agree = all(result["ways"][way]["totals"] == result["ways"]["batch"]["totals"] for way in WAYS)
    checks.append(Invariant("the three ways agree exactly", agree,
                            f"{len(expected)} stores, {result['orders']} orders, "
                            f"{sum(c for c, _ in expected.values())} cents"))
    rejected = {way: result["ways"][way]["rejected"] for way in WAYS}
    checks.append(Invariant("every malformed order is rejected by every way, and recorded",
                            all(n == result["malformed"] for n in rejected.values()),
                            f"{result['malformed']} sent, rejected {rejected}"))
    checks.append(Invariant("every order's total became visible in every way",
                            all(result["ways"][way]["visible"] == result["orders"] for way in WAYS),
                            ", ".join(f"{way} {result['ways'][way]['visible']}" for way in WAYS)))
    checks.append(Invariant("nothing on a failure queue or left failed", not any(result["queues"].values())
                            and not result["failed_async"], f"{result['queues']}, failed async {result['failed_async']}"))
    return checks


def _difference(got: dict[str, list[int]], expected: dict[str, list[int]]) -> str:
    wrong = sorted(s for s in set(got) | set(expected) if got.get(s) != expected.get(s))
    return "" if not wrong else "; ".join(f"{s}: got {got.get(s)}, expected {expected.get(s)}" for s in wrong[:4])


def summary_lines(result: dict[str, Any]) -> list[str]:
    lines = [f"{result['day']}: {result['orders']} orders + {result['malformed']} malformed, "
             f"{len(result['expected'])} stores, {result['window_seconds']} s windows, "
             f"simulated in {result['seconds']:.1f} s (prices of {result['prices']['as_of']}, {result['prices']['region']})",
             f"  {'way':<8} {'arrival -> total visible (median / p95 / max)':<46} {'peak conc.':>10} "
             f"{'invocations':>11} {'cost per day':>13}"]
    for way in WAYS:
        item = result["ways"][way]
        lat = item["latency_s"]
        visible = f"{_duration(lat['median'])} / {_duration(lat['p95'])} / {_duration(lat['max'])}"
        cost = sum(item["cost_usd"].values())
        lines.append(f"  {way:<8} {visible:<46} {item['peak_concurrency']:>10} {item['invocations']:>11} "
                     f"{'$' + format(cost, '.6f'):>13}")
    for way in WAYS:
        parts = ", ".join(f"{k} ${v:.6f}" for k, v in result["ways"][way]["cost_usd"].items())
        lines.append(f"  cost of {way}: {parts}")
    return lines


def _duration(seconds: float) -> str:
    if seconds != seconds:  # nan: nothing became visible
        return "never"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.3f} s" if seconds < 1 else f"{seconds:.1f} s"
