"""The static-offload pattern end to end on the embedded target: the site from a private bucket
through CloudFront, /api/* through API Gateway to Lambda, the "before" stack beside it, the
workload's comparison and invariants, bad input answered as CloudFront answers it, and the page
rendering the API's data in a real headless Chromium."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from infra.cloud import Cloud
from infra.compute.clock import VirtualClock
from infra.compute.http.messages import HttpRequest
from infra.testing.browser import CHROMIUM, headless_chromium
from patterns.static_offload import workload


@pytest.fixture(scope="module")
def shop():
    cloud = Cloud.embedded(clock=VirtualClock())
    stack = cloud.deploy("static-offload")
    workload.publish(cloud, stack["SiteBucketName"], stack["ProductsTable"])
    yield cloud, stack
    cloud.close()


def _get(cloud, stack, path, method="GET"):
    return cloud.cloudfront.handle(stack["DistributionId"], HttpRequest.build(method, path))


def test_the_after_cuts_api_gateway_and_every_view_gets_every_asset(shop):
    cloud, stack = shop
    result = workload.run(cloud, stack, views=30)
    assert workload.outcome(result) == {"every_view_complete": True, "api_gateway_cut": True, "bucket_private": True}
    assert all(item.held for item in workload.invariants(result)), workload.invariants(result)
    before, after = result["before"], result["after"]
    assert before["api_gateway_requests"] == 150 and after["api_gateway_requests"] == 30  # only /api/* reaches it
    assert after["lambda_invocations"] == 30 and before["lambda_invocations"] == 150
    assert result["cost_after"]["total"] < result["cost_before"]["total"]


def test_an_invariant_breaks_when_the_after_does_not_cut_api_gateway(shop):
    cloud, stack = shop
    result = workload.run(cloud, stack, views=3)
    result["after"]["api_gateway_requests"] = result["before"]["api_gateway_requests"]
    broken = [item.name for item in workload.invariants(result) if not item.held]
    assert "the after cuts API Gateway's requests" in broken
    assert "every page view got every asset" not in broken


def test_the_api_is_reached_through_the_distribution_and_never_cached(shop):
    cloud, stack = shop
    first, second = _get(cloud, stack, "/api/products"), _get(cloud, stack, "/api/products")
    assert [p["name"] for p in first.json()["products"]][:2] == ["Sourdough loaf", "Free-range eggs (6)"]
    assert (first.header("X-Cache"), second.header("X-Cache")) == ("Miss from cloudfront", "Miss from cloudfront")


def test_a_route_of_the_single_page_app_gets_the_page(shop):
    cloud, stack = shop
    answer = _get(cloud, stack, "/products/p01/reviews")
    assert answer.status == 200 and answer.body == (workload.SITE / "index.html").read_bytes()


def test_a_key_outside_the_site_and_an_unknown_api_path_are_answered_as_cloudfront_answers_them(shop):
    cloud, stack = shop
    assert _get(cloud, stack, "/../../etc/passwd").body == (workload.SITE / "index.html").read_bytes()  # S3's 403 -> page
    # API Gateway's 403 for a route it lacks is an error like S3's: the distribution-wide custom
    # error response turns it into the page too, as on CloudFront (the README's trade-offs say so)
    unknown_api = _get(cloud, stack, "/api/nothing-here")
    assert unknown_api.status == 200 and unknown_api.header("X-Cache") == "Error from cloudfront"
    assert cloud.cloudfront.stats["origin:api"] >= 1
    assert _get(cloud, stack, "/app.js", method="POST").status == 403  # GET/HEAD only on the default behaviour
    assert _get(cloud, stack, "/bad%zz").status == 400


def test_the_before_serves_the_same_files_and_refuses_paths_outside_the_site(shop):
    cloud, stack = shop
    before = cloud.deploy(workload.BEFORE, stack_name="static-offload-before-check")
    try:
        base = cloud.api_url(before["ApiId"], before["ApiStage"])
        with urllib.request.urlopen(f"{base}/logo.png") as image:
            assert image.read() == (workload.SITE / "logo.png").read_bytes()
        with pytest.raises(urllib.error.HTTPError) as outside:
            urllib.request.urlopen(f"{base}/%2E%2E/products.py")
        assert outside.value.code == 404
    finally:
        cloud.destroy(before.name)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_a_person_opening_the_distribution_url_sees_the_products(shop, tmp_path):
    cloud, stack = shop
    with headless_chromium(cloud.distribution_url(stack["DistributionId"]) + "/", tmp_path) as page:
        dataset = page.dataset_when(lambda d: d.get("state") in ("ready", "error"))
    assert dataset == {"state": "ready", "products": str(len(workload.PRODUCTS)), "first": "Sourdough loaf"}
