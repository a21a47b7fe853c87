"""What a million page views cost, before and after, from what the run counted and these dated
list prices (us-east-1 / CloudFront's United States edge, no free tier). DynamoDB's prices come
from the project's price file (benchmarks/dynamodb_prices.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

_DYNAMODB = json.loads((Path(__file__).resolve().parents[2] / "benchmarks" / "dynamodb_prices.json").read_text())
PRICES: dict[str, Any] = {
    "source": "aws.amazon.com/{api-gateway,lambda,cloudfront,s3}/pricing",
    "as_of": "2026-12-04",
    "region": "us-east-1",
    "api_gateway_rest_per_million": 3.50,
    "lambda_requests_per_million": 0.20,
    "lambda_gb_second": 0.0000166667,
    "cloudfront_https_requests_per_million": 1.00,  # $0.0100 per 10,000
    "cloudfront_transfer_out_per_gb": 0.085,
    "s3_get_per_million": 0.40,  # $0.0004 per 1,000
    "internet_transfer_out_per_gb": 0.09,  # from API Gateway / Lambda; origin fetches to CloudFront are free
    "dynamodb_read_units_per_million": _DYNAMODB["usd_per_million_read_request_units"],
}
LAMBDA_MEMORY_GB = 256 / 1024
SCAN_READ_UNITS = 0.5  # an eventually consistent Scan of the few small products: one 4 KB unit, halved
GB = 1024 ** 3


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))]


def cost_per_million_views(measured: dict[str, Any], through_cloudfront: bool) -> dict[str, float]:
    """Dollars per million page views, by item, scaled from the run's counts."""
    per_view = 1_000_000 / measured["views"]
    millions = per_view / 1_000_000
    api_calls = measured["views"]  # one products call per view reaches DynamoDB either way
    cost = {
        "api_gateway": measured["api_gateway_requests"] * millions * PRICES["api_gateway_rest_per_million"],
        "lambda": measured["lambda_invocations"] * millions * PRICES["lambda_requests_per_million"]
        + measured["lambda_ms"] / 1000 * LAMBDA_MEMORY_GB * per_view * PRICES["lambda_gb_second"],
        "dynamodb": api_calls * millions * SCAN_READ_UNITS * PRICES["dynamodb_read_units_per_million"],
    }
    transfer_gb = measured["bytes"] * per_view / GB
    if through_cloudfront:
        cost["cloudfront"] = (measured["requests"] * millions * PRICES["cloudfront_https_requests_per_million"]
                              + transfer_gb * PRICES["cloudfront_transfer_out_per_gb"])
        static_misses = measured["requests"] - measured["edge_hits"] - measured["api_gateway_requests"]
        cost["s3"] = max(0, static_misses) * millions * PRICES["s3_get_per_million"]
    else:
        cost["transfer_out"] = transfer_gb * PRICES["internet_transfer_out_per_gb"]
    cost["total"] = sum(cost.values())
    return cost
