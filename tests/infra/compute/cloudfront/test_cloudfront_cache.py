"""The CloudFront front door's cache on the virtual clock: hits and misses, Age, TTLs from the
cache policy and the origin's Cache-Control / Expires, RefreshHit, the cache key, invalidations."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from email.utils import format_datetime

from infra.compute.http.messages import HttpRequest
from tests_cloudfront_support import deploy_variant

HIT, MISS, REFRESH = "Hit from cloudfront", "Miss from cloudfront", "RefreshHit from cloudfront"


def test_a_second_request_is_a_hit_whose_age_grows_with_the_clock(site):
    first = site.get("/index.html")
    site.advance(42)
    second = site.get("/index.html")
    assert (first.status, first.header("X-Cache"), first.header("Age")) == (200, MISS, None)
    assert (second.header("X-Cache"), second.header("Age"), second.body) == (HIT, "42", b"<h1>home</h1>")
    assert "CloudFront" in second.header("Via")
    assert site.cloud.cloudfront.stats["origin:site"] == 1


def test_the_default_ttl_expires_and_an_unchanged_object_is_a_refresh_hit(site):
    site.get("/index.html")
    site.advance(86399)
    assert site.get("/index.html").header("X-Cache") == HIT  # CachingOptimized: DefaultTTL one day
    site.advance(2)
    refreshed = site.get("/index.html")  # S3 answers the conditional request with 304
    assert (refreshed.header("X-Cache"), refreshed.header("Age"), refreshed.body) == (REFRESH, "0", b"<h1>home</h1>")
    assert site.get("/index.html").header("X-Cache") == HIT


def test_an_object_changed_at_the_origin_is_fetched_again_once_expired(site):
    site.get("/index.html")
    site.put_object("index.html", "<h1>new</h1>", ContentType="text/html")
    assert site.get("/index.html").body == b"<h1>home</h1>"  # still cached
    site.advance(86401)
    fresh = site.get("/index.html")
    assert (fresh.header("X-Cache"), fresh.body) == (MISS, b"<h1>new</h1>")


def test_the_origins_max_age_is_held_between_the_policys_min_and_max_ttl(site):
    site.origin.headers["Cache-Control"] = "max-age=1"  # below MinTTL 5
    site.get("/dyn/short")
    site.advance(4)
    assert site.get("/dyn/short").header("X-Cache") == HIT
    site.advance(2)
    assert site.get("/dyn/short").header("X-Cache") == MISS
    site.origin.headers["Cache-Control"] = "max-age=100000"  # above MaxTTL 300
    site.get("/dyn/long")
    site.advance(299)
    assert site.get("/dyn/long").header("X-Cache") == HIT
    site.advance(2)
    assert site.get("/dyn/long").header("X-Cache") == MISS


def test_s_maxage_wins_over_max_age(site):
    site.origin.headers["Cache-Control"] = "max-age=10, s-maxage=100"
    site.get("/dyn/shared")
    site.advance(50)
    assert site.get("/dyn/shared").header("X-Cache") == HIT


def test_expires_sets_the_ttl_when_there_is_no_max_age(site):
    expires = datetime.fromtimestamp(site.cloud.clock.now() + 120, timezone.utc)
    site.origin.headers["Expires"] = format_datetime(expires, usegmt=True)
    site.get("/dyn/dated")
    site.advance(110)
    assert site.get("/dyn/dated").header("X-Cache") == HIT
    site.advance(20)
    assert site.get("/dyn/dated").header("X-Cache") == MISS


def test_no_store_is_not_cached_when_the_minimum_ttl_is_zero_and_kept_for_the_minimum_otherwise(site):
    site.origin.headers["Cache-Control"] = "no-store"
    site.get("/legacy/page")  # ForwardedValues behaviour, MinTTL 0
    assert site.get("/legacy/page").header("X-Cache") == MISS
    site.get("/dyn/page")  # the keyed policy, MinTTL 5
    site.advance(4)
    assert site.get("/dyn/page").header("X-Cache") == HIT
    site.advance(2)
    assert site.get("/dyn/page").header("X-Cache") == MISS


def test_without_cache_control_the_behaviours_default_ttl_applies(site):
    site.get("/legacy/plain")  # DefaultTTL 30
    site.advance(29)
    assert site.get("/legacy/plain").header("X-Cache") == HIT
    site.advance(2)
    assert site.get("/legacy/plain").header("X-Cache") == MISS


def test_the_cache_key_holds_only_the_query_strings_headers_and_cookies_the_policy_names(site):
    site.get("/dyn/item?v=1&utm=a")
    assert site.get("/dyn/item?utm=b&v=1").header("X-Cache") == HIT  # utm is not in the key
    assert site.get("/dyn/item?v=2").header("X-Cache") == MISS
    assert site.get("/dyn/item?v=1", headers={"X-Variant": "b"}).header("X-Cache") == MISS
    assert site.get("/dyn/item?v=1", headers={"X-Variant": "b", "Cookie": "theme=dark"}).header("X-Cache") == HIT
    assert site.get("/dyn/item?v=1", headers={"X-Variant": "b", "Cookie": "session=s1"}).header("X-Cache") == MISS
    seen = site.origin.seen[-1]
    assert seen["path"] == "/dyn/item?v=1"  # only what the key holds reaches the origin
    assert seen["headers"]["x-variant"] == "b" and seen["headers"]["cookie"] == "session=s1"


def test_a_policy_with_caching_disabled_sends_every_request_and_all_it_carries_to_the_origin(site):
    for _ in range(3):
        assert site.get("/dyn/nocache/x?a=1&b=2").header("X-Cache") == MISS
    posted = site.get("/dyn/nocache/orders?a=1", method="POST", headers={"X-Anything": "yes"}, body=b'{"n": 1}')
    assert posted.status == 200 and len(site.origin.seen) == 4
    seen = site.origin.seen[-1]
    assert (seen["method"], seen["path"], seen["body"], seen["headers"]["x-anything"]) == (
        "POST", "/dyn/nocache/orders?a=1", b'{"n": 1}', "yes")


def test_cache_behaviours_are_matched_in_order_then_the_default(site):
    site.origin.headers["Cache-Control"] = "max-age=100"
    site.get("/dyn/nocache/a")
    assert site.get("/dyn/nocache/a").header("X-Cache") == MISS  # the first pattern: caching disabled
    site.get("/dyn/a")
    assert site.get("/dyn/a").header("X-Cache") == HIT  # the second
    assert site.get("/index.html").header("Server") == "AmazonS3"  # no pattern: the default behaviour, S3


def test_an_invalidation_empties_the_paths_it_names_and_a_wildcard_everything_under_it(site):
    cloudfront = site.cloud.client("cloudfront")
    site.origin.headers["Cache-Control"] = "max-age=300"
    for path in ("/index.html", "/dyn/a", "/dyn/b"):
        site.get(path)
    cloudfront.create_invalidation(DistributionId=site.distribution_id, InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/index.html"]}, "CallerReference": "one"})
    assert site.get("/index.html").header("X-Cache") == MISS
    assert site.get("/dyn/a").header("X-Cache") == HIT
    cloudfront.create_invalidation(DistributionId=site.distribution_id, InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/dyn/*"]}, "CallerReference": "two"})
    assert [site.get(p).header("X-Cache") for p in ("/dyn/a", "/dyn/b", "/index.html")] == [MISS, MISS, HIT]
    listed = cloudfront.list_invalidations(DistributionId=site.distribution_id)["InvalidationList"]
    assert listed["Quantity"] == 2


def test_a_head_request_is_answered_without_a_body_and_cached_apart_from_get(site):
    head = site.get("/index.html", method="HEAD")
    assert (head.status, head.body, head.header("X-Cache")) == (200, b"", MISS)
    assert site.get("/index.html").body == b"<h1>home</h1>"


def test_an_origins_custom_headers_and_the_viewers_address_reach_it(site):
    with_secret = deploy_variant(site.cloud, site, lambda config: config["Origins"][1].update(
        OriginCustomHeaders=[{"HeaderName": "X-Origin-Verify", "HeaderValue": "only-cloudfront"}]))
    site.cloud.cloudfront.handle(with_secret, HttpRequest.build("GET", "/dyn/nocache/x"))
    seen = site.origin.seen[-1]["headers"]
    assert seen["X-Origin-Verify"] == "only-cloudfront" and seen["X-Forwarded-For"] == "127.0.0.1"
    assert seen["Host"] == f"127.0.0.1:{site.origin.port}"


def test_a_viewer_holding_the_cached_copy_gets_304_from_the_edge(site):
    etag = site.get("/index.html").header("ETag")
    answer = site.get("/index.html", headers={"If-None-Match": etag})
    assert (answer.status, answer.body, answer.header("X-Cache"), answer.header("ETag")) == (304, b"", HIT, etag)
    assert site.get("/index.html", headers={"If-None-Match": '"other"'}).status == 200


def test_viewers_asking_for_an_object_being_fetched_share_that_one_origin_request(site, eventually):
    site.origin.headers["Cache-Control"] = "max-age=60"
    site.origin.gate = threading.Event()
    answers = []
    viewers = [threading.Thread(target=lambda: answers.append(site.get("/dyn/popular"))) for _ in range(4)]
    for viewer in viewers:
        viewer.start()
    assert eventually(lambda: len(site.origin.seen) == 1)
    site.origin.gate.set()
    for viewer in viewers:
        viewer.join(30)
    assert len(site.origin.seen) == 1 and [a.body for a in answers] == [b"from the origin"] * 4
    assert sorted(a.header("X-Cache") for a in answers) == [HIT, HIT, HIT, MISS]
