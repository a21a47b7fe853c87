"""Way 1, batch: an EventBridge scheduled rule (cron, nightly) runs this once a day; it reads the
previous day's orders from the Orders table (one Query on the day's partition) and writes each
store's total. The day is the one before the schedule's ``time`` (or ``{"day": "YYYY-MM-DD"}`` for a
re-run); a re-run of the same day writes the same totals (puts, not additions)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from aws_lambda_powertools import Logger
from boto3.dynamodb.conditions import Key
from daily_sales import RejectedOrder, orders_table, parse_order, totals_table

logger = Logger(service="batch-to-events")


def day_to_total(event: dict[str, Any]) -> str:
    if event.get("day"):
        return str(event["day"])
    fired = datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return (fired - timedelta(days=1)).strftime("%Y-%m-%d")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    day = day_to_total(event)
    sums: dict[str, list[int]] = {}
    rejected, scanned_bytes = 0, 0
    query: dict[str, Any] = {"KeyConditionExpression": Key("day").eq(day)}
    while True:
        page = orders_table().query(**query)
        for item in page["Items"]:
            scanned_bytes += sum(len(k) + len(str(v)) for k, v in item.items())
            try:
                order = parse_order(item)
            except RejectedOrder as exc:
                rejected += 1
                logger.warning("rejected order", order=str(item.get("order_id")), reason=str(exc))
                continue
            total = sums.setdefault(order.store, [0, 0])
            total[0] += order.amount_cents
            total[1] += 1
        if "LastEvaluatedKey" not in page:
            break
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    table = totals_table()
    with table.batch_writer() as batch:
        for store, (cents, count) in sums.items():
            batch.put_item(Item={"way": "batch", "key": f"{day}#{store}", "total_cents": cents, "orders": count})
    orders = sum(count for _, count in sums.values())
    table.put_item(Item={"way": "batch#runs", "key": day, "orders": orders, "rejected": rejected,
                         "stores": len(sums), "bytes_read": scanned_bytes})
    logger.info("day totalled", day=day, stores=len(sums), orders=orders, rejected=rejected)
    return {"day": day, "stores": len(sums), "orders": orders, "rejected": rejected}
