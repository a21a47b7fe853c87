"""Cache policies and origin request policies: what a cache key holds, what reaches the origin.

CloudFront's managed policies are known by their ids; a template's own (AWS::CloudFront::CachePolicy,
AWS::CloudFront::OriginRequestPolicy) are kept by the deployer as records (moto has no API for
them, see ``store``). A behaviour's legacy ``ForwardedValues`` with MinTTL/DefaultTTL/MaxTTL reads
as a cache policy of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra.compute.cloudfront.exceptions import UnsupportedDistributionConfig

YEAR = 31536000


@dataclass(frozen=True)
class Selection:
    """Which query strings / headers / cookies: ``none``, ``all``, ``whitelist`` or ``allExcept``."""

    behavior: str = "none"
    names: frozenset[str] = frozenset()

    def pick(self, items: list[tuple[str, str]], lower: bool = False) -> tuple[tuple[str, str], ...]:
        if self.behavior == "none":
            return ()
        chosen = [(k.lower() if lower else k, v) for k, v in items]
        if self.behavior == "whitelist":
            chosen = [(k, v) for k, v in chosen if k in self.names]
        elif self.behavior == "allExcept":
            chosen = [(k, v) for k, v in chosen if k not in self.names]
        elif self.behavior == "allViewerExceptHost":  # an origin request policy's header form
            chosen = [(k, v) for k, v in chosen if k.lower() != "host"]
        return tuple(sorted(chosen))


NONE = Selection()
ALL = Selection("all")


@dataclass(frozen=True)
class CachePolicy:
    min_ttl: float
    default_ttl: float
    max_ttl: float
    query_strings: Selection = NONE
    headers: Selection = NONE
    cookies: Selection = NONE
    gzip: bool = False
    brotli: bool = False

    @property
    def caches(self) -> bool:
        return self.max_ttl > 0


@dataclass(frozen=True)
class OriginRequestPolicy:
    query_strings: Selection = NONE
    headers: Selection = NONE
    cookies: Selection = NONE


def _selection(config: dict[str, Any] | None, behavior_key: str, names_key: str, path: str,
               lower: bool = False) -> Selection:
    config = config or {}
    behavior = config.get(behavior_key, "none")
    if behavior not in ("none", "whitelist", "allExcept", "all", "allViewer", "allViewerAndWhitelistCloudFront",
                        "allViewerExceptHost"):
        raise UnsupportedDistributionConfig(f"{path}.{behavior_key}", f"'{behavior}' is not a known behavior")
    names = config.get(names_key) or []
    if isinstance(names, dict):  # the API's {"Quantity": n, "Items": [...]}
        names = names.get("Items") or []
    if behavior == "allViewer":
        behavior = "all"
    return Selection(behavior, frozenset(n.lower() if lower else n for n in names))


def cache_policy_from_config(config: dict[str, Any], path: str = "CachePolicyConfig") -> CachePolicy:
    """A CachePolicyConfig (CloudFormation's shape) as a policy; TTLs checked as CloudFront checks them."""
    params = config.get("ParametersInCacheKeyAndForwardedToOrigin") or {}
    min_ttl, default_ttl = float(config.get("MinTTL", 0)), float(config.get("DefaultTTL", 86400))
    max_ttl = float(config.get("MaxTTL", YEAR))
    if not min_ttl <= default_ttl <= max_ttl:
        raise UnsupportedDistributionConfig(path, f"MinTTL ({min_ttl:g}) <= DefaultTTL ({default_ttl:g}) "
                                                  f"<= MaxTTL ({max_ttl:g}) does not hold")
    return CachePolicy(
        min_ttl, default_ttl, max_ttl,
        _selection(params.get("QueryStringsConfig"), "QueryStringBehavior", "QueryStrings", f"{path}.QueryStringsConfig"),
        _selection(params.get("HeadersConfig"), "HeaderBehavior", "Headers", f"{path}.HeadersConfig", lower=True),
        _selection(params.get("CookiesConfig"), "CookieBehavior", "Cookies", f"{path}.CookiesConfig"),
        str(params.get("EnableAcceptEncodingGzip", False)).lower() == "true",
        str(params.get("EnableAcceptEncodingBrotli", False)).lower() == "true")


def origin_request_policy_from_config(config: dict[str, Any], path: str = "OriginRequestPolicyConfig") -> OriginRequestPolicy:
    return OriginRequestPolicy(
        _selection(config.get("QueryStringsConfig"), "QueryStringBehavior", "QueryStrings", f"{path}.QueryStringsConfig"),
        _selection(config.get("HeadersConfig"), "HeaderBehavior", "Headers", f"{path}.HeadersConfig", lower=True),
        _selection(config.get("CookiesConfig"), "CookieBehavior", "Cookies", f"{path}.CookiesConfig"))


def legacy_cache_policy(behavior: dict[str, Any], path: str) -> tuple[CachePolicy, OriginRequestPolicy]:
    """``ForwardedValues`` + MinTTL/DefaultTTL/MaxTTL: what is forwarded is also the cache key."""
    forwarded = behavior.get("ForwardedValues") or {}
    query = ALL if str(forwarded.get("QueryString", False)).lower() == "true" else NONE
    if query is ALL and forwarded.get("QueryStringCacheKeys"):
        query = Selection("whitelist", frozenset(forwarded["QueryStringCacheKeys"]))
    headers = forwarded.get("Headers") or []
    if "*" in headers:
        header_selection = ALL
    else:
        header_selection = Selection("whitelist", frozenset(h.lower() for h in headers)) if headers else NONE
    cookies = forwarded.get("Cookies") or {}
    forward = cookies.get("Forward", "none")
    cookie_selection = (ALL if forward == "all" else NONE if forward == "none"
                        else Selection("whitelist", frozenset(cookies.get("WhitelistedNames") or [])))
    policy = cache_policy_from_config({"MinTTL": behavior.get("MinTTL", 0), "DefaultTTL": behavior.get("DefaultTTL", 86400),
                                       "MaxTTL": behavior.get("MaxTTL", YEAR)}, path)
    policy = CachePolicy(policy.min_ttl, policy.default_ttl, policy.max_ttl, query, header_selection, cookie_selection)
    return policy, OriginRequestPolicy(query, header_selection, cookie_selection)


def _managed_cache(min_ttl: float, default_ttl: float, max_ttl: float, compress: bool) -> CachePolicy:
    return CachePolicy(min_ttl, default_ttl, max_ttl, gzip=compress, brotli=compress)


# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
MANAGED_CACHE_POLICIES: dict[str, tuple[str, CachePolicy]] = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": ("CachingOptimized", _managed_cache(1, 86400, YEAR, True)),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": ("CachingOptimizedForUncompressedObjects",
                                             _managed_cache(1, 86400, YEAR, False)),
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": ("CachingDisabled", _managed_cache(0, 0, 0, False)),
}
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
MANAGED_ORIGIN_REQUEST_POLICIES: dict[str, tuple[str, OriginRequestPolicy]] = {
    "216adef6-5c7f-47e4-b989-5492eafa07d3": ("AllViewer", OriginRequestPolicy(ALL, ALL, ALL)),
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": ("AllViewerExceptHostHeader",
                                             OriginRequestPolicy(ALL, Selection("allViewerExceptHost"), ALL)),
    "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": ("CORS-S3Origin", OriginRequestPolicy(
        NONE, Selection("whitelist", frozenset({"origin", "access-control-request-headers",
                                                "access-control-request-method"})), NONE)),
    "acba4595-bd28-49b8-b9fe-13317c0390fa": ("UserAgentRefererHeaders", OriginRequestPolicy(
        NONE, Selection("whitelist", frozenset({"user-agent", "referer"})), NONE)),
}
