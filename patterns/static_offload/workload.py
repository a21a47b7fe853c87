"""Static content offload: a single-page app's files through CloudFront from a private S3 bucket instead of through API Gateway and Lambda, measured before and after.

The demo publishes the site (HTML, CSS, JS, an image) to the private bucket and the products to
DynamoDB, deploys the "before" (the same site served by a Lambda behind API Gateway, in
before/template.yaml) beside it, and replays the same page views against both: each view
fetches the page, its three assets and one API call. It reports the requests that reached API
Gateway and Lambda, the edge's cache hit ratio, latency and the cost per million page views.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
from pathlib import Path
from typing import Any, Callable, Iterator

from infra.workload import Invariant, Operation
from patterns.static_offload.browser import API_PATH, ASSETS, Browser
from patterns.static_offload.costs import PRICES, cost_per_million_views, percentile

OPERATION = Operation("page view", differs="each page view replayed twice: through API Gateway + Lambda (before) and through CloudFront (after)")

SITE = Path(__file__).resolve().parents[2] / "functions" / "static_offload" / "site"
BEFORE = Path(__file__).resolve().parent / "before"
PAGE_VIEWS = 200
SECONDS_BETWEEN_VIEWS = 3.0  # on the virtual clock: the run spans ten minutes of edge-cache time
CACHE_CONTROL = {"index.html": "max-age=60"}  # the page is refreshed often, the assets keep the policy's day
PRODUCTS = [("p01", "Sourdough loaf", 650), ("p02", "Free-range eggs (6)", 420), ("p03", "Oat milk", 289),
            ("p04", "Coffee beans 250 g", 1150), ("p05", "Heirloom tomatoes", 375)]
Progress = Callable[[str], None]


def publish(cloud: Any, bucket: str, table: str | None) -> None:
    """The site's files into the bucket (with their content types), the products into the table."""
    s3 = cloud.client("s3")
    for file in sorted(SITE.iterdir()):
        extra = {"ContentType": mimetypes.guess_type(file.name)[0] or "application/octet-stream"}
        if file.name in CACHE_CONTROL:
            extra["CacheControl"] = CACHE_CONTROL[file.name]
        s3.put_object(Bucket=bucket, Key=file.name, Body=file.read_bytes(), **extra)
    if table:
        seed_products(cloud, table)


def seed_products(cloud: Any, table: str) -> None:
    dynamodb = cloud.client("dynamodb")
    for product_id, name, cents in PRODUCTS:
        dynamodb.put_item(TableName=table, Item={"id": {"S": product_id}, "name": {"S": name},
                                                 "priceCents": {"N": str(cents)}})


def _advance(cloud: Any, seconds: float) -> None:
    if getattr(cloud.clock, "virtual", False):
        cloud.clock.advance(seconds)


def _functions(stack: Any) -> set[str]:
    return {r.physical_id for r in stack.resources if r.type == "AWS::Lambda::Function"}


def replay(cloud: Any, base_url: str, views: int) -> list[list[dict[str, Any]]]:
    browser = Browser(base_url)
    try:
        replayed = []
        for _ in range(views):
            replayed.append([{"path": f.path, "status": f.status, "body": f.body, "x_cache": f.x_cache,
                              "seconds": f.seconds} for f in browser.view()])
            _advance(cloud, SECONDS_BETWEEN_VIEWS)
        return replayed
    finally:
        browser.close()


def _measure(cloud: Any, stack: Any, label: str, base_url: str, through_cloudfront: bool,
             views: int) -> dict[str, Any]:
    ran_before = len(cloud.invocations())
    replayed = replay(cloud, base_url, views)
    fetched = [f for view in replayed for f in view]
    if through_cloudfront:  # only an edge miss on /api/* reaches API Gateway
        api_gateway = sum(1 for f in fetched if f["path"] == API_PATH and not (f["x_cache"] or "").startswith("Hit"))
        hits = sum(1 for f in fetched if (f["x_cache"] or "").split(" ")[0] in ("Hit", "RefreshHit"))
    else:
        api_gateway, hits = len(fetched), 0
    invocations = [i for i in cloud.invocations()[ran_before:] if i["function"] in _functions(stack)]
    plane_here = cloud.plane is not None
    return {
        "label": label, "url": base_url, "views": views, "requests": len(fetched),
        "api_gateway_requests": api_gateway,
        "lambda_invocations": len(invocations) if plane_here else api_gateway,
        "lambda_invocations_measured": plane_here,
        "lambda_ms": sum(i["duration_ms"] for i in invocations),
        "edge_hits": hits, "cache_hit_ratio": hits / len(fetched) if through_cloudfront else 0.0,
        "bytes": sum(len(f["body"]) for f in fetched),
        "p50_ms": percentile([f["seconds"] for f in fetched], 50) * 1000,
        "p99_ms": percentile([f["seconds"] for f in fetched], 99) * 1000,
        "view_p50_ms": percentile([sum(f["seconds"] for f in v) for v in replayed], 50) * 1000,
        "complete_views": sum(1 for view in replayed if _complete(view)),
    }


def _expected() -> dict[str, bytes]:
    return {name: (SITE / name).read_bytes() for name in ("index.html", *ASSETS)}


def _complete(view: list[dict[str, Any]]) -> bool:
    """Every file byte for byte and the API's whole product list."""
    expected = _expected()
    page, *assets, api = view
    if page["status"] != 200 or page["body"] != expected["index.html"]:
        return False
    if any(f["status"] != 200 or f["body"] != expected[f["path"]] for f in assets):
        return False
    try:
        products = json.loads(api["body"])["products"]
    except (ValueError, KeyError, TypeError):
        return False
    return api["status"] == 200 and [p["id"] for p in products] == [p[0] for p in PRODUCTS]


def run(cloud: Any, stack: Any, progress: Progress = lambda message: None, views: int = PAGE_VIEWS) -> dict[str, Any]:
    publish(cloud, stack["SiteBucketName"], stack["ProductsTable"])
    progress(f"published {len(list(SITE.iterdir()))} files to s3://{stack['SiteBucketName']} (private)")
    before = cloud.deploy(BEFORE, stack_name=f"{stack.name}-before", progress=progress)
    try:
        seed_products(cloud, before["ProductsTable"])
        before_url = cloud.api_url(before["ApiId"], before["ApiStage"]) + "/"
        after_url = cloud.distribution_url(stack["DistributionId"]) + "/"
        progress(f"before: {before_url} (API Gateway + Lambda); after: {after_url} (CloudFront)")
        measured_before = _measure(cloud, before, "before: API Gateway + Lambda", before_url, False, views)
        progress(f"replayed {views} page views against the before")
        measured_after = _measure(cloud, stack, "after: CloudFront + S3", after_url, True, views)
        progress(f"replayed {views} page views against the after")
    finally:
        cloud.destroy(before.name)
    return {"views": views, "operations": 2 * views, "before": measured_before, "after": measured_after,
            "bucket_private": bucket_is_private(cloud, stack["SiteBucketName"]),
            "cost_before": cost_per_million_views(measured_before, through_cloudfront=False),
            "cost_after": cost_per_million_views(measured_after, through_cloudfront=True)}


def bucket_is_private(cloud: Any, bucket: str) -> bool:
    """The public access block is on and no policy statement names everyone."""
    s3 = cloud.client("s3")
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    return all(block.values()) and all(s.get("Principal") not in ("*", {"AWS": "*"}) for s in statements)


def summary_lines(result: dict[str, Any]) -> list[str]:
    before, after = result["before"], result["after"]
    rows = [("", "before", "after"),
            ("requests reaching API Gateway", before["api_gateway_requests"], after["api_gateway_requests"]),
            ("Lambda invocations", before["lambda_invocations"], after["lambda_invocations"]),
            ("edge cache hit ratio", "-", f"{after['cache_hit_ratio']:.0%}"),
            ("latency per request p50 / p99", f"{before['p50_ms']:.1f} / {before['p99_ms']:.1f} ms",
             f"{after['p50_ms']:.1f} / {after['p99_ms']:.1f} ms"),
            ("page view (5 requests) p50", f"{before['view_p50_ms']:.1f} ms", f"{after['view_p50_ms']:.1f} ms"),
            ("cost per million page views", f"${result['cost_before']['total']:.2f}", f"${result['cost_after']['total']:.2f}")]
    lines = [f"{result['views']} page views, each: the page, {', '.join(ASSETS)}, and GET /{API_PATH}"]
    lines += [f"  {name:<32}{b!s:>22}{a!s:>22}" for name, b, a in rows]
    lines.append(f"  prices: benchmarks/aws_prices.json ({PRICES['as_of']}, {PRICES['region']})")
    return lines


def outcome(result: dict[str, Any]) -> dict[str, Any]:
    return {"every_view_complete": all(result[k]["complete_views"] == result["views"] for k in ("before", "after")),
            "api_gateway_cut": result["after"]["api_gateway_requests"] < result["before"]["api_gateway_requests"],
            "bucket_private": result["bucket_private"]}


def invariants(result: dict[str, Any]) -> list[Invariant]:
    before, after, views = result["before"], result["after"], result["views"]
    lambda_matches = [m for m in (before, after) if m["lambda_invocations_measured"]]
    return [
        Invariant("every page view got every asset", all(m["complete_views"] == views for m in (before, after)),
                  f"{before['complete_views']}/{views} before, {after['complete_views']}/{views} after, byte for byte"),
        Invariant("the after cuts API Gateway's requests", after["api_gateway_requests"] < before["api_gateway_requests"],
                  f"{before['api_gateway_requests']} -> {after['api_gateway_requests']}"),
        Invariant("the static files come from the edge after the first view",
                  after["edge_hits"] >= (views - 1) * len(ASSETS) + (views - 1),
                  f"{after['edge_hits']} of {after['requests']} requests answered by the cache"),
        Invariant("Lambda ran once per request that reached API Gateway",
                  all(m["lambda_invocations"] == m["api_gateway_requests"] for m in lambda_matches),
                  "; ".join(f"{m['lambda_invocations']} invocations for {m['api_gateway_requests']} requests"
                            for m in lambda_matches) or "the target runs the functions: not observable here"),
        Invariant("the site bucket is not public", result["bucket_private"],
                  "public access block on, no statement for everyone"),
    ]


@contextlib.contextmanager
def serve_extras(cloud: Any, stack: Any, say: Progress) -> Iterator[None]:
    """For ``samplecli.py serve static-offload``: the site published, the URL to open."""
    publish(cloud, stack["SiteBucketName"], stack["ProductsTable"])
    say(f"open the shop in a browser: {cloud.distribution_url(stack['DistributionId'])}/")
    yield
