"""What a million page views cost, before and after, from what the run counted and the project's
dated price file (benchmarks/aws_prices.json: us-east-1 / CloudFront's United States edge, no free
tier)."""

from __future__ import annotations

import math
from typing import Any

from infra.compare.prices import PriceFile

_FILE = PriceFile.load()
PRICES: dict[str, Any] = {
    "as_of": _FILE.as_of,
    "region": _FILE.region,
    "api_gateway_rest_per_million": _FILE.usd("apigateway/rest_requests") * 1e6,
    "lambda_requests_per_million": _FILE.usd("lambda/requests") * 1e6,
    "lambda_gb_second": _FILE.usd("lambda/gb_seconds"),
    "cloudfront_https_requests_per_million": _FILE.usd("cloudfront/https_requests") * 1e6,
    "cloudfront_transfer_out_per_gb": _FILE.usd("cloudfront/transfer_out_gb"),
    "s3_get_per_million": _FILE.usd("s3/tier2_requests") * 1e6,
    "internet_transfer_out_per_gb": _FILE.usd("internet/transfer_out_gb"),
    "dynamodb_read_units_per_million": _FILE.usd("dynamodb/read_units") * 1e6,
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
