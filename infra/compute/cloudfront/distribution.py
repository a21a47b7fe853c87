"""A distribution as the front door serves it, read from its template's DistributionConfig
(CloudFormation's shape); every property it cannot honour is refused with the property's path.

Honoured: origins (S3 with an origin access control, custom origins), cache behaviours by path
pattern in order then the default, allowed and cached methods, cache policies (managed or the
template's) and origin request policies, legacy ForwardedValues with Min/Default/MaxTTL, the
default root object, custom error responses, Enabled. Accepted as they change nothing locally:
Comment, PriceClass, HttpVersion, IPV6Enabled, the default certificate, origin connection
settings, and ViewerProtocolPolicy (the local port speaks plain HTTP: no redirect to HTTPS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from infra.compute.cloudfront.exceptions import UnsupportedDistributionConfig as Unsupported
from infra.compute.cloudfront.policies import (MANAGED_CACHE_POLICIES, MANAGED_ORIGIN_REQUEST_POLICIES, CachePolicy,
                                               OriginRequestPolicy, legacy_cache_policy)

DEFAULT_ERROR_CACHING_MIN_TTL = 10.0
ERROR_CODES = frozenset({400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504})
_ACCEPTED = frozenset({"Comment", "PriceClass", "HttpVersion", "IPV6Enabled", "Enabled", "Origins",
                       "DefaultCacheBehavior", "CacheBehaviors", "DefaultRootObject", "CustomErrorResponses",
                       "ViewerCertificate", "Restrictions"})
_BEHAVIOR_KEYS = frozenset({"PathPattern", "TargetOriginId", "ViewerProtocolPolicy", "AllowedMethods", "CachedMethods",
                            "CachePolicyId", "OriginRequestPolicyId", "Compress", "ForwardedValues", "MinTTL",
                            "DefaultTTL", "MaxTTL", "SmoothStreaming"})
_ORIGIN_KEYS = frozenset({"Id", "DomainName", "OriginPath", "S3OriginConfig", "OriginAccessControlId",
                          "CustomOriginConfig", "OriginCustomHeaders", "ConnectionAttempts", "ConnectionTimeout",
                          "OriginShield"})
_S3_DOMAIN = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]*)\.s3(?:[.-](?P<region>[a-z0-9-]+))?\.amazonaws\.com$")
PolicyLookup = Callable[[str], Any]


@dataclass(frozen=True)
class Origin:
    id: str
    domain_name: str
    path: str = ""
    bucket: str | None = None  # an S3 origin
    access_control_id: str | None = None
    protocol_policy: str = "http-only"
    http_port: int = 80
    https_port: int = 443
    read_timeout: float = 30.0
    custom_headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Behavior:
    path_pattern: str | None  # None: the default behaviour
    origin: Origin
    allowed_methods: frozenset[str]
    cached_methods: frozenset[str]
    cache_policy: CachePolicy
    origin_request: OriginRequestPolicy | None
    regex: re.Pattern[str] | None = None

    def matches(self, path: str) -> bool:
        return self.regex is None or self.regex.match(path) is not None


@dataclass(frozen=True)
class ErrorResponse:
    page_path: str | None
    response_code: int | None
    caching_min_ttl: float


@dataclass
class Distribution:
    id: str
    arn: str
    domain_name: str
    enabled: bool
    default_root_object: str
    behaviors: list[Behavior]  # in order, the default last
    error_responses: dict[int, ErrorResponse] = field(default_factory=dict)

    def behavior_for(self, path: str) -> Behavior:
        for behavior in self.behaviors:
            if behavior.matches(path):
                return behavior
        return self.behaviors[-1]


def path_regex(pattern: str) -> re.Pattern[str]:
    """CloudFront's path pattern: ``*`` any characters, ``?`` one, case-sensitive, from the start."""
    pattern = pattern if pattern.startswith("/") else f"/{pattern}"
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z")


def _check_keys(config: dict[str, Any], allowed: frozenset[str], path: str) -> None:
    for key in sorted(set(config) - allowed):
        raise Unsupported(f"{path}.{key}", "the CloudFront front door cannot honour it")


def _origin(config: dict[str, Any], path: str) -> Origin:
    _check_keys(config, _ORIGIN_KEYS, path)
    if (config.get("OriginShield") or {}).get("Enabled") in (True, "true"):
        raise Unsupported(f"{path}.OriginShield", "Origin Shield is not served locally")
    domain, origin_path = config["DomainName"], (config.get("OriginPath") or "").rstrip("/")
    headers = tuple((h["HeaderName"], h["HeaderValue"]) for h in config.get("OriginCustomHeaders") or [])
    if "S3OriginConfig" in config:
        if (config["S3OriginConfig"] or {}).get("OriginAccessIdentity"):
            raise Unsupported(f"{path}.S3OriginConfig.OriginAccessIdentity",
                              "origin access identities (legacy) are not honoured: use OriginAccessControlId")
        found = _S3_DOMAIN.match(domain)
        if found is None:
            raise Unsupported(f"{path}.DomainName", f"{domain} is not an S3 bucket's domain name")
        return Origin(config["Id"], domain, origin_path, found["bucket"], config.get("OriginAccessControlId") or None,
                      custom_headers=headers)
    custom = config.get("CustomOriginConfig")
    if custom is None:
        raise Unsupported(path, "an origin needs S3OriginConfig or CustomOriginConfig")
    if config.get("OriginAccessControlId"):
        raise Unsupported(f"{path}.OriginAccessControlId", "origin access control is for S3 (and Lambda URL) origins")
    return Origin(config["Id"], domain, origin_path, None, None, custom.get("OriginProtocolPolicy", "http-only"),
                  int(custom.get("HTTPPort", 80)), int(custom.get("HTTPSPort", 443)),
                  float(custom.get("OriginReadTimeout", 30)), headers)


def _behavior(config: dict[str, Any], path: str, origins: dict[str, Origin], policies: PolicyLookup) -> Behavior:
    _check_keys(config, _BEHAVIOR_KEYS, path)
    for key in ("Compress", "SmoothStreaming"):
        if str(config.get(key, False)).lower() == "true":
            raise Unsupported(f"{path}.{key}", "the CloudFront front door does not compress or stream")
    origin = origins.get(config.get("TargetOriginId", ""))
    if origin is None:
        raise Unsupported(f"{path}.TargetOriginId", f"no origin has the id {config.get('TargetOriginId')!r}")
    allowed = frozenset(config.get("AllowedMethods") or ("GET", "HEAD"))
    if allowed not in (frozenset({"GET", "HEAD"}), frozenset({"GET", "HEAD", "OPTIONS"}),
                       frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"})):
        raise Unsupported(f"{path}.AllowedMethods", f"{sorted(allowed)} is not one of CloudFront's three sets")
    cached = frozenset(config.get("CachedMethods") or ("GET", "HEAD"))
    if "CachePolicyId" in config:
        if "ForwardedValues" in config:
            raise Unsupported(f"{path}.ForwardedValues", "a behaviour has a CachePolicyId or ForwardedValues, not both")
        cache = policies(config["CachePolicyId"])
        if not isinstance(cache, CachePolicy):
            raise Unsupported(f"{path}.CachePolicyId", f"no cache policy has the id {config['CachePolicyId']}")
        request = None
        if config.get("OriginRequestPolicyId"):
            request = policies(config["OriginRequestPolicyId"])
            if not isinstance(request, OriginRequestPolicy):
                raise Unsupported(f"{path}.OriginRequestPolicyId",
                                  f"no origin request policy has the id {config['OriginRequestPolicyId']}")
    elif "ForwardedValues" in config:
        cache, request = legacy_cache_policy(config, path)
    else:
        raise Unsupported(path, "a behaviour needs a CachePolicyId or ForwardedValues")
    pattern = config.get("PathPattern")
    return Behavior(pattern, origin, allowed, cached, cache, request, path_regex(pattern) if pattern else None)


def _error_responses(items: list[dict[str, Any]]) -> dict[int, ErrorResponse]:
    found = {}
    for n, item in enumerate(items):
        code = int(item["ErrorCode"])
        if code not in ERROR_CODES:
            raise Unsupported(f"DistributionConfig.CustomErrorResponses[{n}].ErrorCode", f"{code} is not an error "
                              f"CloudFront lets you customize ({', '.join(map(str, sorted(ERROR_CODES)))})")
        page = item.get("ResponsePagePath")
        response = int(item["ResponseCode"]) if item.get("ResponseCode") not in (None, "") else None
        if (page is None) != (response is None):
            raise Unsupported(f"DistributionConfig.CustomErrorResponses[{n}]",
                              "ResponsePagePath and ResponseCode go together")
        found[code] = ErrorResponse(page, response, float(item.get("ErrorCachingMinTTL", DEFAULT_ERROR_CACHING_MIN_TTL)))
    return found


def parse(config: dict[str, Any], policies: PolicyLookup, distribution_id: str = "", arn: str = "",
          domain_name: str = "") -> Distribution:
    """The front door's view of a DistributionConfig; ``policies(id)`` finds a cache or origin
    request policy (managed, or the template's). Raises UnsupportedDistributionConfig."""
    _check_keys(config, _ACCEPTED, "DistributionConfig")
    certificate = config.get("ViewerCertificate") or {}
    if certificate and str(certificate.get("CloudFrontDefaultCertificate", False)).lower() != "true":
        raise Unsupported("DistributionConfig.ViewerCertificate", "only the default *.cloudfront.net certificate")
    restriction = (config.get("Restrictions") or {}).get("GeoRestriction") or {}
    if restriction.get("RestrictionType", "none") != "none":
        raise Unsupported("DistributionConfig.Restrictions.GeoRestriction", "geographic restrictions are not served")
    origins = {}
    for n, item in enumerate(config.get("Origins") or []):
        origin = _origin(item, f"DistributionConfig.Origins[{n}]")
        origins[origin.id] = origin
    if not origins:
        raise Unsupported("DistributionConfig.Origins", "a distribution needs at least one origin")
    behaviors = [_behavior(item, f"DistributionConfig.CacheBehaviors[{n}]", origins, policies)
                 for n, item in enumerate(config.get("CacheBehaviors") or [])]
    if "DefaultCacheBehavior" not in config:
        raise Unsupported("DistributionConfig.DefaultCacheBehavior", "is required")
    behaviors.append(_behavior(config["DefaultCacheBehavior"], "DistributionConfig.DefaultCacheBehavior", origins,
                               policies))
    return Distribution(distribution_id, arn, domain_name, str(config.get("Enabled", True)).lower() == "true",
                        (config.get("DefaultRootObject") or "").lstrip("/"), behaviors,
                        _error_responses(config.get("CustomErrorResponses") or []))


def managed_or_recorded(records: Callable[[str, str], dict[str, Any] | None]) -> PolicyLookup:
    """``policies(id)`` over CloudFront's managed policies and the deployer's records."""
    from infra.compute.cloudfront import store
    from infra.compute.cloudfront.policies import cache_policy_from_config, origin_request_policy_from_config

    def lookup(policy_id: str) -> Any:
        if policy_id in MANAGED_CACHE_POLICIES:
            return MANAGED_CACHE_POLICIES[policy_id][1]
        if policy_id in MANAGED_ORIGIN_REQUEST_POLICIES:
            return MANAGED_ORIGIN_REQUEST_POLICIES[policy_id][1]
        cache = records(store.CACHE_POLICIES, policy_id)
        if cache is not None:
            return cache_policy_from_config(cache)
        request = records(store.ORIGIN_REQUEST_POLICIES, policy_id)
        return origin_request_policy_from_config(request) if request is not None else None
    return lookup
