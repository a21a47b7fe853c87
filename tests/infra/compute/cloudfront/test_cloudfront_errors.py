"""What the CloudFront front door answers to what goes wrong, as CloudFront answers it: keys
outside the origin (S3's 403 through the origin access control), custom error responses with
their ErrorCachingMinTTL, methods a behaviour does not allow, malformed paths, an unreachable
origin, a bucket that does not grant the distribution; and the deploy refusing what it cannot honour."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from infra.exceptions import DeployError
from tests_cloudfront_support import deploy_variant

ERROR = "Error from cloudfront"


def test_the_default_root_object_answers_the_root_only(site):
    assert site.get("/").body == b"<h1>home</h1>"
    site.put_object("docs/index.html", "<h1>docs</h1>")
    assert site.get("/docs/").body == b"<h1>home</h1>"  # no root object below the root: S3's 403, then the error page


def test_a_key_outside_the_bucket_is_s3s_403_answered_with_the_single_page_apps_index(site):
    answer = site.get("/app/settings/profile")
    assert (answer.status, answer.body, answer.header("X-Cache")) == (200, b"<h1>home</h1>", ERROR)
    assert answer.header("Content-Type") == "text/html"


def test_an_error_is_cached_for_its_error_caching_min_ttl(site):
    site.get("/missing.js")
    asked = site.cloud.cloudfront.stats["origin:site"]
    site.advance(29)
    site.get("/missing.js")
    assert site.cloud.cloudfront.stats["origin:site"] == asked  # ErrorCachingMinTTL 30
    site.advance(2)
    site.get("/missing.js")
    assert site.cloud.cloudfront.stats["origin:site"] > asked


def test_an_origin_error_without_a_custom_response_is_passed_on_and_cached_ten_seconds(site):
    site.origin.status, site.origin.body = 404, b"no such thing"
    first = site.get("/dyn/gone")
    site.advance(9)
    again = site.get("/dyn/gone")
    site.advance(2)
    site.get("/dyn/gone")
    assert (first.status, first.body, first.header("X-Cache")) == (404, b"no such thing", ERROR)
    assert again.status == 404 and len(site.origin.seen) == 2  # the second came from the cache


def test_with_list_bucket_granted_a_missing_key_is_s3s_404(site):
    s3 = site.cloud.client("s3")
    bucket = site.stack["BucketName"]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    grant = dict(policy["Statement"][0], Action="s3:ListBucket", Resource=f"arn:aws:s3:::{bucket}")
    policy["Statement"].append(grant)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    answer = site.get("/missing.css")
    assert answer.status == 404 and b"<Code>NoSuchKey</Code>" in answer.body


def test_a_bucket_policy_for_another_distribution_denies_this_one(site):
    s3 = site.cloud.client("s3")
    bucket = site.stack["BucketName"]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    policy["Statement"][0]["Condition"]["StringEquals"]["AWS:SourceArn"] = "arn:aws:cloudfront::123456789012:distribution/EOTHER"
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    answer = site.get("/index.html")  # the error page is denied too: S3's own 403
    assert answer.status == 403 and b"<Code>AccessDenied</Code>" in answer.body


def test_a_private_bucket_is_not_readable_without_the_origin_access_control(cloud, site):
    s3 = cloud.client("s3")
    bucket = site.stack["BucketName"]

    def unsigned_to_the_same_bucket(config):
        config["Origins"][0].pop("OriginAccessControlId")
        config["Origins"][0]["DomainName"] = f"{bucket}.s3.us-east-1.amazonaws.com"
    unsigned = deploy_variant(cloud, site, unsigned_to_the_same_bucket)
    assert cloud.cloudfront.handle(unsigned, _get("/index.html")).status == 403  # the policy names the OAC's principal
    public = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                      "Resource": f"arn:aws:s3:::{bucket}/*"}]}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public))
    site.advance(31)  # past the cached error's ErrorCachingMinTTL
    assert cloud.cloudfront.handle(unsigned, _get("/index.html")).status == 403  # the public access block holds
    s3.delete_public_access_block(Bucket=bucket)
    site.advance(31)
    assert cloud.cloudfront.handle(unsigned, _get("/index.html")).status == 200  # a public bucket: anyone reads
    assert site.get("/index.html").status == 200  # and CloudFront with its OAC ('*' includes it)


def test_a_method_the_behaviour_does_not_allow_is_refused_with_403(site):
    answer = site.get("/index.html", method="POST", body=b"x")
    assert answer.status == 403 and b"not configured to allow the HTTP request method" in answer.body
    assert site.get("/dyn/nocache/x", method="DELETE").status == 200  # that behaviour allows all seven


def test_a_malformed_path_is_a_400(site):
    assert site.get("/bad%zzpath").status == 400
    assert site.cloud.cloudfront.handle(site.distribution_id, _raw("GET", "no-slash")).status == 400


def test_an_unknown_distribution_is_refused(site):
    assert site.cloud.cloudfront.handle("EDOESNOTEXIST", _get("/")).status == 403


def test_an_unreachable_origin_is_a_502_from_cloudfront(site):
    unreachable = deploy_variant(site.cloud, site, lambda config: config["Origins"][1]["CustomOriginConfig"].update(
        HTTPPort=1))
    answer = site.cloud.cloudfront.handle(unreachable, _get("/dyn/nocache/x"))
    assert answer.status == 502 and b"wasn't able to connect to the origin" in answer.body


@pytest.mark.parametrize("change, named", [
    (lambda c: c.update(Aliases=["www.example.com"]), "DistributionConfig.Aliases"),
    (lambda c: c["DefaultCacheBehavior"].update(Compress=True), "DistributionConfig.DefaultCacheBehavior.Compress"),
    (lambda c: c["DefaultCacheBehavior"].update(CachePolicyId="00000000-0000-0000-0000-000000000000"),
     "DistributionConfig.DefaultCacheBehavior.CachePolicyId"),
    (lambda c: c["CacheBehaviors"][0].update(TargetOriginId="nowhere"), "DistributionConfig.CacheBehaviors[0].TargetOriginId"),
    (lambda c: c["DefaultCacheBehavior"].update(FunctionAssociations=[]),
     "DistributionConfig.DefaultCacheBehavior.FunctionAssociations"),
])
def test_the_deploy_fails_naming_the_property_the_front_door_cannot_honour(site, change, named):
    with pytest.raises(DeployError) as refused:
        deploy_variant(site.cloud, site, change)
    assert refused.value.logical_id == "Distribution" and named in refused.value.reason


def test_a_distribution_served_on_a_port_answers_real_http_with_its_headers(site):
    url = site.cloud.distribution_url(site.distribution_id)
    with urllib.request.urlopen(f"{url}/") as first:
        assert first.headers["X-Cache"] == "Miss from cloudfront" and first.read() == b"<h1>home</h1>"
    with urllib.request.urlopen(f"{url}/") as second:
        assert second.headers["X-Cache"] == "Hit from cloudfront" and second.headers["Age"] == "0"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(f"{url}/index.html", data=b"x", method="PUT"))
    assert refused.value.code == 403


def _get(path):
    from infra.compute.http.messages import HttpRequest

    return HttpRequest.build("GET", path)


def _raw(method, path):
    from infra.compute.http.messages import HttpRequest

    return HttpRequest(method, path)


def test_destroying_the_stack_removes_the_distribution_and_the_front_door_stops_serving_it(site):
    site.get("/index.html")
    site.cloud.destroy(site.stack.name)
    listed = site.cloud.client("cloudfront").list_distributions()["DistributionList"]
    assert site.distribution_id not in [d["Id"] for d in listed.get("Items", [])]
    assert site.get("/index.html").status == 403  # no such distribution


def test_a_cache_policy_with_ttls_out_of_order_fails_the_deploy_naming_it(cloud, tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Policy:\n    Type: AWS::CloudFront::CachePolicy\n    Properties:\n      CachePolicyConfig:\n"
        "        Name: backwards\n        MinTTL: 100\n        DefaultTTL: 10\n        MaxTTL: 1000\n"
        "        ParametersInCacheKeyAndForwardedToOrigin:\n          EnableAcceptEncodingGzip: false\n"
        "          QueryStringsConfig: {QueryStringBehavior: none}\n          HeadersConfig: {HeaderBehavior: none}\n"
        "          CookiesConfig: {CookieBehavior: none}\n")
    with pytest.raises(DeployError) as refused:
        cloud.deploy("fixture", template=template, stack_name="backwards-policy")
    assert refused.value.logical_id == "Policy" and "MinTTL (100) <= DefaultTTL (10)" in refused.value.reason


def test_a_malformed_request_on_the_socket_is_a_400_and_the_distribution_keeps_serving(site):
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(site.cloud.distribution_url(site.distribution_id))
    with socket.create_connection((url.hostname, url.port), timeout=10) as raw:
        raw.sendall(b"GET /a space HTTP/1.1\r\nHost: x\r\n\r\n")  # a path with a bare space
        assert raw.recv(100).split(b" ")[1] == b"400"
    with socket.create_connection((url.hostname, url.port), timeout=10) as raw:
        raw.sendall(b"GET /bad%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert raw.recv(100).split(b" ")[1] == b"400"
    with urllib.request.urlopen(f"{url.geturl()}/index.html") as fine:
        assert fine.status == 200
