"""Way 2, time windows: a Kinesis mapping with TumblingWindowInSeconds. Every invocation of a
window adds its records to the state Lambda carries to the next one; the final invocation of the
window adds the window's sums to the totals, in one transaction with a marker for the window (so
a retried final invocation adds nothing twice)."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
from botocore.exceptions import ClientError
from aws_lambda_powertools import Logger
from daily_sales import RejectedOrder, add_to_totals, already_done, parse_order, record_once

logger = Logger(service="batch-to-events")
MAX_ITEMS = 100  # TransactWriteItems: the marker and up to 99 (day, store) totals per window


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    state = dict(event.get("state") or {})
    for record in event.get("Records", []):
        try:
            body = json.loads(base64.b64decode(record["kinesis"]["data"]))
            order = parse_order(body if isinstance(body, dict) else {})
        except (ValueError, RejectedOrder) as exc:
            state["rejected"] = state.get("rejected", 0) + 1
            logger.warning("rejected order", sequence=record["kinesis"]["sequenceNumber"], reason=str(exc))
            continue
        cents, count = state.get(f"{order.day}#{order.store}", [0, 0])
        state[f"{order.day}#{order.store}"] = [cents + order.amount_cents, count + 1]
    if not event.get("isFinalInvokeForWindow"):
        return {"state": state}
    sums = {tuple(key.split("#", 1)): (v[0], v[1]) for key, v in state.items() if key != "rejected"}
    if len(sums) + 1 > MAX_ITEMS:
        raise ValueError(f"a window touched {len(sums)} store-days; one transaction holds {MAX_ITEMS - 1}")
    marker = record_once("windows#closed", f"{event['window']['start']}#{event['shardId']}", {
        "orders": sum(count for _, count in sums.values()), "rejected": state.get("rejected", 0),
        "stores": len(sums), "window_end": event["window"]["end"]})
    try:
        boto3.client("dynamodb").transact_write_items(TransactItems=[marker, *add_to_totals("windows", sums)])
    except ClientError as exc:
        if not already_done(exc):
            raise
        logger.info("window already added", window=event["window"]["start"], shard=event["shardId"])
    return {"state": {}}  # a windowed function always answers with a state, the final one too
