"""What a day of each way costs, from what the run metered (invocations, GB-seconds, records,
windows, orders) and dated prices: DynamoDB's from benchmarks/dynamodb_prices.json, the others
below (us-east-1, on-demand, read 2026-12-01 from each service's pricing page)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

_DYNAMODB = json.loads((Path(__file__).resolve().parents[2] / "benchmarks" / "dynamodb_prices.json").read_text())
PRICES = {
    "as_of": "2026-12-01",
    "region": "us-east-1",
    "sources": ["https://aws.amazon.com/lambda/pricing/", "https://aws.amazon.com/kinesis/data-streams/pricing/",
                "https://aws.amazon.com/eventbridge/pricing/", _DYNAMODB["source"]],
    "lambda_per_request": 0.20 / 1e6,
    "lambda_per_gb_second": 0.0000166667,  # x86
    "kinesis_per_shard_hour": 0.015,
    "kinesis_per_put_unit": 0.014 / 1e6,  # one unit per record up to 25 KB
    "dynamodb_per_write_unit": _DYNAMODB["usd_per_million_write_request_units"] / 1e6,
    "dynamodb_per_read_unit": _DYNAMODB["usd_per_million_read_request_units"] / 1e6,
    # EventBridge: scheduled rules' events come from aws.events (free); a Lambda trigger's reads of
    # a DynamoDB stream are free.
}


def lambda_cost(invocations: int, gb_seconds: float) -> float:
    return invocations * PRICES["lambda_per_request"] + gb_seconds * PRICES["lambda_per_gb_second"]


def way_costs(metered: dict[str, Any]) -> dict[str, dict[str, float]]:
    """USD per day for each way, by item. ``metered`` holds per way its invocations and
    GB-seconds, and the counts each way's requests are priced by."""
    batch, windows, events = metered["batch"], metered["windows"], metered["events"]
    return {
        "batch": {
            "lambda": lambda_cost(batch["invocations"], batch["gb_seconds"]),
            # one Query over the day's partition, eventually consistent: half a unit per 4 KB
            "dynamodb": math.ceil(batch["bytes_read"] / 4096) * 0.5 * PRICES["dynamodb_per_read_unit"]
            + (batch["stores"] + 1) * PRICES["dynamodb_per_write_unit"],
        },
        "windows": {
            "lambda": lambda_cost(windows["invocations"], windows["gb_seconds"]),
            "kinesis": windows["shards"] * 24 * PRICES["kinesis_per_shard_hour"]
            + windows["records"] * PRICES["kinesis_per_put_unit"],
            # a transaction per closed window: the marker and each (day, store) total, two units each
            "dynamodb": 2 * (windows["closed"] + windows["store_days"]) * PRICES["dynamodb_per_write_unit"],
        },
        "events": {
            "lambda": lambda_cost(events["invocations"], events["gb_seconds"]),
            # a transaction per order: its marker and its store's total, two units each
            "dynamodb": 2 * 2 * events["applied"] * PRICES["dynamodb_per_write_unit"],
        },
    }
