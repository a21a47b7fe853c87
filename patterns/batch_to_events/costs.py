"""What a day of each way costs, from what the run metered (invocations, GB-seconds, records,
windows, orders) and the one dated price file (benchmarks/aws_prices.json: us-east-1, on-demand).
EventBridge's scheduled rules send events from aws.events (free) and a Lambda trigger's reads of a
DynamoDB stream are free, so neither has a line."""

from __future__ import annotations

import math
from typing import Any

from infra.compare.prices import PriceFile

PRICES = PriceFile.load()


def lambda_cost(invocations: int, gb_seconds: float) -> float:
    return invocations * PRICES.usd("lambda/requests") + gb_seconds * PRICES.usd("lambda/gb_seconds")


def way_costs(metered: dict[str, Any]) -> dict[str, dict[str, float]]:
    """USD per day for each way, by item. ``metered`` holds per way its invocations and
    GB-seconds, and the counts each way's requests are priced by."""
    batch, windows, events = metered["batch"], metered["windows"], metered["events"]
    write, read = PRICES.usd("dynamodb/write_units"), PRICES.usd("dynamodb/read_units")
    shard_hour = PRICES.fixed["kinesis/shard_hours"]
    return {
        "batch": {
            "lambda": lambda_cost(batch["invocations"], batch["gb_seconds"]),
            # one Query over the day's partition, eventually consistent: half a unit per 4 KB
            "dynamodb": math.ceil(batch["bytes_read"] / 4096) * 0.5 * read + (batch["stores"] + 1) * write,
        },
        "windows": {
            "lambda": lambda_cost(windows["invocations"], windows["gb_seconds"]),
            "kinesis": shard_hour.cost(windows["shards"] * 24) + windows["records"] * PRICES.usd("kinesis/put_payload_units"),
            # a transaction per closed window: the marker and each (day, store) total, two units each
            "dynamodb": 2 * (windows["closed"] + windows["store_days"]) * write,
        },
        "events": {
            "lambda": lambda_cost(events["invocations"], events["gb_seconds"]),
            # a transaction per order: its marker and its store's total, two units each
            "dynamodb": 2 * 2 * events["applied"] * write,
        },
    }
