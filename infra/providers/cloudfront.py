"""How the embedded deployer realizes CloudFront: distributions and origin access controls in
moto's CloudFront (ids, ARNs, domain names, invalidations), cache and origin request policies as
the toolkit's records (moto has no API for them), and each distribution's whole configuration
as a record the CloudFront front door serves (moto drops an origin's OriginAccessControlId).

A DistributionConfig property the front door cannot honour fails the deploy, naming it.
"""

from __future__ import annotations

import uuid
from typing import Any

from infra.compute.cloudfront import distribution as model
from infra.compute.cloudfront import store
from infra.compute.cloudfront.exceptions import UnsupportedDistributionConfig
from infra.compute.cloudfront.policies import cache_policy_from_config, origin_request_policy_from_config
from infra.exceptions import DeployError
from infra.providers.base import Created, DeployContext, Provider, property_set, tags, undone_on_failure


def _records(ctx: DeployContext) -> store.Records:
    return store.Records(ctx.client, ctx.account_id, ctx.region)


def _checked(logical_id: str, check: Any) -> Any:
    try:
        return check()
    except UnsupportedDistributionConfig as exc:
        raise DeployError(logical_id, f"{exc.prop}: {exc.reason}") from exc


# -- policies (the toolkit's records) ---------------------------------------------------------
def _policy_provider(kind: str, config_key: str, parse: Any) -> Provider:
    def create(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
        _checked(logical_id, lambda: parse(props[config_key], config_key))
        policy_id = str(uuid.uuid4())
        _records(ctx).put(kind, policy_id, props[config_key])
        return policy_id, {"Id": policy_id, "LastModifiedTime": "0"}

    def delete(ctx: DeployContext, policy_id: str, attrs: dict[str, Any]) -> None:
        _records(ctx).delete(kind, policy_id)
    return Provider(property_set(config_key), create, delete)


# -- origin access control (moto) ---------------------------------------------------------------
def _create_access_control(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    config = dict(props["OriginAccessControlConfig"])
    if config.get("OriginAccessControlOriginType") != "s3":
        raise DeployError(logical_id, "OriginAccessControlConfig.OriginAccessControlOriginType: the CloudFront front "
                                      "door serves origin access control for S3 origins")
    made = ctx.client("cloudfront").create_origin_access_control(OriginAccessControlConfig=config)
    control_id = made["OriginAccessControl"]["Id"]
    return control_id, {"Id": control_id}


def _delete_access_control(ctx: DeployContext, control_id: str, attrs: dict[str, Any]) -> None:
    cloudfront = ctx.client("cloudfront")
    etag = cloudfront.get_origin_access_control(Id=control_id)["ETag"]
    cloudfront.delete_origin_access_control(Id=control_id, IfMatch=etag)


# -- distribution (moto + the toolkit's record) -------------------------------------------------
def _api_list(items: list[Any]) -> dict[str, Any]:
    return {"Quantity": len(items), "Items": items}


def _api_origin(origin: dict[str, Any]) -> dict[str, Any]:
    made: dict[str, Any] = {key: origin[key] for key in ("Id", "DomainName", "OriginPath") if key in origin}
    if "S3OriginConfig" in origin:
        made["S3OriginConfig"] = {"OriginAccessIdentity": ""}
    if "CustomOriginConfig" in origin:
        custom = origin["CustomOriginConfig"]
        made["CustomOriginConfig"] = {"HTTPPort": int(custom.get("HTTPPort", 80)),
                                      "HTTPSPort": int(custom.get("HTTPSPort", 443)),
                                      "OriginProtocolPolicy": custom["OriginProtocolPolicy"]}
    return made


def _api_behavior(behavior: dict[str, Any]) -> dict[str, Any]:
    made: dict[str, Any] = {key: behavior[key] for key in ("PathPattern", "TargetOriginId", "ViewerProtocolPolicy", "CachePolicyId",
                                           "OriginRequestPolicyId") if key in behavior}
    if "ForwardedValues" in behavior:
        made["ForwardedValues"] = {"QueryString": str(behavior["ForwardedValues"].get("QueryString", False)).lower()
                                   == "true", "Cookies": {"Forward": "none"}}
    return made


def api_distribution_config(config: dict[str, Any], caller_reference: str) -> dict[str, Any]:
    """CloudFormation's DistributionConfig in the API's shape, as much as moto keeps."""
    made: dict[str, Any] = {
        "CallerReference": caller_reference, "Comment": config.get("Comment", ""),
        "Enabled": str(config.get("Enabled", True)).lower() == "true",
        "Origins": _api_list([_api_origin(o) for o in config["Origins"]]),
        "DefaultCacheBehavior": _api_behavior(config["DefaultCacheBehavior"]),
    }
    if config.get("DefaultRootObject"):
        made["DefaultRootObject"] = config["DefaultRootObject"]
    if config.get("CacheBehaviors"):
        made["CacheBehaviors"] = _api_list([_api_behavior(b) for b in config["CacheBehaviors"]])
    return made


def _create_distribution(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    config = props["DistributionConfig"]
    records = _records(ctx)
    _checked(logical_id, lambda: model.parse(config, model.managed_or_recorded(records.get)))
    cloudfront = ctx.client("cloudfront")
    made = cloudfront.create_distribution(DistributionConfig=api_distribution_config(config, ctx.physical_name(logical_id)))
    distribution = made["Distribution"]
    with undone_on_failure(lambda: cloudfront.delete_distribution(Id=distribution["Id"], IfMatch=made["ETag"])):
        records.put(store.DISTRIBUTIONS, distribution["Id"], config)
        if props.get("Tags"):
            cloudfront.tag_resource(Resource=distribution["ARN"], Tags={"Items": tags(props)})
    return distribution["Id"], {"Id": distribution["Id"], "DomainName": distribution["DomainName"]}


def _delete_distribution(ctx: DeployContext, distribution_id: str, attrs: dict[str, Any]) -> None:
    cloudfront = ctx.client("cloudfront")
    etag = cloudfront.get_distribution(Id=distribution_id)["ETag"]
    cloudfront.delete_distribution(Id=distribution_id, IfMatch=etag)
    _records(ctx).delete(store.DISTRIBUTIONS, distribution_id)


PROVIDERS: dict[str, Provider] = {
    "AWS::CloudFront::Distribution": Provider(property_set("DistributionConfig", "Tags"), _create_distribution,
                                              _delete_distribution),
    "AWS::CloudFront::OriginAccessControl": Provider(property_set("OriginAccessControlConfig"), _create_access_control,
                                                     _delete_access_control),
    "AWS::CloudFront::CachePolicy": _policy_provider(store.CACHE_POLICIES, "CachePolicyConfig", cache_policy_from_config),
    "AWS::CloudFront::OriginRequestPolicy": _policy_provider(store.ORIGIN_REQUEST_POLICIES, "OriginRequestPolicyConfig",
                                                             origin_request_policy_from_config),
}
