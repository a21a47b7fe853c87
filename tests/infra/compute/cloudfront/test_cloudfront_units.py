"""The CloudFront front door's parts on their own: path patterns, TTL arithmetic, the bucket
policy as S3 evaluates it for CloudFront, cache policies checked as CloudFront checks them."""

from __future__ import annotations

import pytest

from infra.compute.cloudfront import bucket_access
from infra.compute.cloudfront.cache import matches, ttl
from infra.compute.cloudfront.distribution import path_regex
from infra.compute.cloudfront.exceptions import UnsupportedDistributionConfig
from infra.compute.cloudfront.policies import MANAGED_CACHE_POLICIES, cache_policy_from_config
from infra.compute.http.messages import HttpResponse

OPTIMIZED = MANAGED_CACHE_POLICIES["658327ea-f89d-4fab-a63d-7e88639e58f6"][1]
DISABLED = MANAGED_CACHE_POLICIES["4135ea2d-6df8-44a3-9df3-4b5a84be39ad"][1]
ARN = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"
POLICY = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*",
                         "Condition": {"StringEquals": {"AWS:SourceArn": ARN}}}]}


@pytest.mark.parametrize("pattern, path, matched", [
    ("/api/*", "/api/products", True), ("/api/*", "/api", False), ("api/*", "/api/x", True),
    ("*.jpg", "/images/a.jpg", True), ("/images/?.png", "/images/a.png", True), ("/images/?.png", "/images/ab.png", False),
    ("/API/*", "/api/x", False),  # case-sensitive
])
def test_path_patterns_match_as_cloudfront_matches_them(pattern, path, matched):
    assert (path_regex(pattern).match(path) is not None) is matched


@pytest.mark.parametrize("headers, expected", [
    ({}, 86400), ({"Cache-Control": "max-age=0"}, 1), ({"Cache-Control": "max-age=600"}, 600),
    ({"Cache-Control": "private"}, 1), ({"Cache-Control": "public, s-maxage=99, max-age=5"}, 99),
])
def test_caching_optimized_ttls(headers, expected):
    assert ttl(HttpResponse(200, list(headers.items())), OPTIMIZED, 0.0) == expected


def test_caching_disabled_and_uncacheable_statuses_keep_nothing():
    assert ttl(HttpResponse(200, [("Cache-Control", "max-age=600")]), DISABLED, 0.0) == 0
    assert ttl(HttpResponse(302, [("Cache-Control", "max-age=600")]), OPTIMIZED, 0.0) == 0


def test_an_invalidation_path_matches_exactly_or_by_its_trailing_wildcard():
    assert matches("/index.html", "/index.html") and not matches("/index.html", "/index.htm")
    assert matches("/*", "/anything/at/all") and matches("/img/*", "/img/a.png") and not matches("/img/*", "/im")


def test_the_distribution_named_in_the_condition_may_read_and_no_other():
    reader = bucket_access.Principal(bucket_access.CLOUDFRONT, ARN, "123456789012")
    other = bucket_access.Principal(bucket_access.CLOUDFRONT, ARN.replace("EDFDVBD6EXAMPLE", "EOTHER"))
    assert bucket_access.allowed(POLICY, reader, "s3:GetObject", "arn:aws:s3:::site/index.html")
    assert not bucket_access.allowed(POLICY, other, "s3:GetObject", "arn:aws:s3:::site/index.html")
    assert not bucket_access.allowed(POLICY, bucket_access.Principal(None), "s3:GetObject", "arn:aws:s3:::site/a")
    assert not bucket_access.allowed(POLICY, reader, "s3:ListBucket", "arn:aws:s3:::site")
    assert not bucket_access.allowed(POLICY, reader, "s3:GetObject", "arn:aws:s3:::other/index.html")


def test_an_explicit_deny_wins_over_an_allow():
    denied = {"Statement": POLICY["Statement"] + [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                                    "Resource": "arn:aws:s3:::site/private/*"}]}
    reader = bucket_access.Principal(bucket_access.CLOUDFRONT, ARN)
    assert bucket_access.allowed(denied, reader, "s3:GetObject", "arn:aws:s3:::site/public.html")
    assert not bucket_access.allowed(denied, reader, "s3:GetObject", "arn:aws:s3:::site/private/x")


def test_a_cache_policy_whose_ttls_are_out_of_order_is_refused():
    with pytest.raises(UnsupportedDistributionConfig) as refused:
        cache_policy_from_config({"MinTTL": 100, "DefaultTTL": 10, "MaxTTL": 1000})
    assert refused.value.prop == "CachePolicyConfig"
