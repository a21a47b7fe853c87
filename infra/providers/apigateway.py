"""API Gateway REST API (v1) resource types through the apigateway API: RestApi (an OpenAPI
``Body`` included, see openapi.py), Resource, Method, Deployment, Stage, ApiKey, UsagePlan,
UsagePlanKey, RequestValidator, Model. The front door (infra/compute/http) serves what they make.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from infra.exceptions import DeployError
from infra.providers.base import Created, DeployContext, Provider, property_set, undone_on_failure
from infra.providers.openapi import import_body
from infra.providers.restapi_methods import put_method, spec_from_cloudformation


def _truthy(value: Any) -> bool:
    return str(value).lower() == "true"


def _tag_map(props: dict[str, Any]) -> dict[str, str]:
    tags = props.get("Tags", [])
    return dict(tags) if isinstance(tags, dict) else {t["Key"]: t["Value"] for t in tags}


def _api_gone(apigw: Any, api_id: str) -> bool:
    try:
        apigw.get_rest_api(restApiId=api_id)
        return False
    except apigw.exceptions.NotFoundException:
        return True


def _under_api(delete: Callable[[Any, str, dict[str, Any]], None]) -> Callable[[DeployContext, str, dict[str, Any]], None]:
    """A child's delete that does nothing once its REST API is gone (deleted with it)."""
    def wrapped(ctx: DeployContext, physical_id: str, attrs: dict[str, Any]) -> None:
        apigw = ctx.client("apigateway")
        if not _api_gone(apigw, attrs["RestApiId"]):
            delete(apigw, physical_id, attrs)
    return wrapped


# -- RestApi ----------------------------------------------------------------------------------
def _key_source(logical_id: str, source: str) -> str:
    if str(source).upper() != "HEADER":
        raise DeployError(logical_id, f"API key source {source} is not supported (no authorizer runs locally): "
                                      f"use HEADER")
    return "HEADER"


def _create_rest_api(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    apigw = ctx.client("apigateway")
    body = props.get("Body")
    document = (json.loads(body) if isinstance(body, str) else body) if body is not None else None
    name = props.get("Name") or (document or {}).get("info", {}).get("title") or ctx.physical_name(logical_id)
    kwargs: dict[str, Any] = {"name": name}
    if "Description" in props:
        kwargs["description"] = props["Description"]
    if "ApiKeySourceType" in props:
        kwargs["apiKeySource"] = _key_source(logical_id, props["ApiKeySourceType"])
    if set(props.get("Parameters") or {}) - {"endpointConfigurationTypes"}:
        raise DeployError(logical_id, "import Parameters other than endpointConfigurationTypes are not supported")
    if "EndpointConfiguration" in props:
        types = props["EndpointConfiguration"].get("Types", ["EDGE"])
        if "PRIVATE" in types or set(props["EndpointConfiguration"]) - {"Types"}:
            raise DeployError(logical_id, "private endpoints (VPC endpoints) are not supported")
        kwargs["endpointConfiguration"] = {"types": types}
    if "BinaryMediaTypes" in props:
        kwargs["binaryMediaTypes"] = props["BinaryMediaTypes"]
    if "Tags" in props:
        kwargs["tags"] = _tag_map(props)
    api = apigw.create_rest_api(**kwargs)
    api_id = api["id"]
    with undone_on_failure(lambda: apigw.delete_rest_api(restApiId=api_id)):
        if document is not None:
            if "x-amazon-apigateway-api-key-source" in document:
                _key_source(logical_id, document["x-amazon-apigateway-api-key-source"])
            import_body(apigw, api_id, document, logical_id)
        root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    return api_id, {"RestApiId": api_id, "RootResourceId": root}


def _delete_rest_api(ctx: DeployContext, api_id: str, attrs: dict[str, Any]) -> None:
    ctx.client("apigateway").delete_rest_api(restApiId=api_id)


# -- Resource, Method ---------------------------------------------------------------------------
def _create_resource(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    made = ctx.client("apigateway").create_resource(restApiId=props["RestApiId"], parentId=props["ParentId"],
                                                    pathPart=props["PathPart"])
    return made["id"], {"ResourceId": made["id"], "RestApiId": props["RestApiId"]}


def _create_method(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    spec = spec_from_cloudformation(logical_id, props)
    put_method(ctx.client("apigateway"), props["RestApiId"], props["ResourceId"], spec)
    physical_id = f"{props['ResourceId']}/{spec.http_method}"
    return physical_id, {"RestApiId": props["RestApiId"], "ResourceId": props["ResourceId"],
                         "HttpMethod": spec.http_method}


# -- Deployment, Stage --------------------------------------------------------------------------
def _create_deployment(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    kwargs: dict[str, Any] = {"restApiId": props["RestApiId"]}
    if "StageName" in props:
        kwargs["stageName"] = props["StageName"]
    if "Description" in props:
        kwargs["description"] = props["Description"]
    made = ctx.client("apigateway").create_deployment(**kwargs)
    return made["id"], {"DeploymentId": made["id"], "RestApiId": props["RestApiId"],
                        "StageName": props.get("StageName")}


def _delete_deployment(apigw: Any, deployment_id: str, attrs: dict[str, Any]) -> None:
    if attrs.get("StageName"):  # the stage the deployment made goes with it
        try:
            apigw.delete_stage(restApiId=attrs["RestApiId"], stageName=attrs["StageName"])
        except apigw.exceptions.NotFoundException:
            pass
    apigw.delete_deployment(restApiId=attrs["RestApiId"], deploymentId=deployment_id)


def _create_stage(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    kwargs: dict[str, Any] = {"restApiId": props["RestApiId"], "stageName": props["StageName"],
                              "deploymentId": props["DeploymentId"]}
    if "Description" in props:
        kwargs["description"] = props["Description"]
    if "Variables" in props:
        kwargs["variables"] = props["Variables"]
    if "TracingEnabled" in props:
        kwargs["tracingEnabled"] = _truthy(props["TracingEnabled"])
    if "Tags" in props:
        kwargs["tags"] = _tag_map(props)
    ctx.client("apigateway").create_stage(**kwargs)
    return props["StageName"], {"RestApiId": props["RestApiId"], "StageName": props["StageName"]}


# -- API keys and usage plans -------------------------------------------------------------------
def _create_api_key(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    kwargs: dict[str, Any] = {"name": props.get("Name") or ctx.physical_name(logical_id, 128),
                              "enabled": _truthy(props.get("Enabled", False))}
    if "Description" in props:
        kwargs["description"] = props["Description"]
    if "Value" in props:
        kwargs["value"] = props["Value"]
    if "StageKeys" in props:
        kwargs["stageKeys"] = [{"restApiId": k["RestApiId"], "stageName": k["StageName"]} for k in props["StageKeys"]]
    if "Tags" in props:
        kwargs["tags"] = _tag_map(props)
    made = ctx.client("apigateway").create_api_key(**kwargs)
    return made["id"], {"APIKeyId": made["id"]}


def _throttle(settings: dict[str, Any]) -> dict[str, Any]:
    throttle: dict[str, Any] = {}
    if "BurstLimit" in settings:
        throttle["burstLimit"] = int(settings["BurstLimit"])
    if "RateLimit" in settings:
        throttle["rateLimit"] = float(settings["RateLimit"])
    return throttle


def _create_usage_plan(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    kwargs: dict[str, Any] = {"name": props.get("UsagePlanName") or ctx.physical_name(logical_id, 128)}
    if "Description" in props:
        kwargs["description"] = props["Description"]
    stages = []
    for stage in props.get("ApiStages", []):
        unknown = sorted(set(stage) - {"ApiId", "Stage"})  # per-method Throttle: not metered by the front door
        if unknown:
            raise DeployError(logical_id, f"ApiStages properties {unknown} are not supported")
        stages.append({"apiId": stage["ApiId"], "stage": stage["Stage"]})
    if stages:
        kwargs["apiStages"] = stages
    if "Throttle" in props:
        kwargs["throttle"] = _throttle(props["Throttle"])
    if "Quota" in props:
        quota = props["Quota"]
        kwargs["quota"] = {"limit": int(quota["Limit"]), "period": quota["Period"]}
        if "Offset" in quota:
            kwargs["quota"]["offset"] = int(quota["Offset"])
    if "Tags" in props:
        kwargs["tags"] = _tag_map(props)
    made = ctx.client("apigateway").create_usage_plan(**kwargs)
    return made["id"], {"Id": made["id"]}


def _create_usage_plan_key(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ctx.client("apigateway").create_usage_plan_key(usagePlanId=props["UsagePlanId"], keyId=props["KeyId"],
                                                   keyType=props["KeyType"])
    return f"{props['UsagePlanId']}:{props['KeyId']}", {"UsagePlanId": props["UsagePlanId"], "KeyId": props["KeyId"]}


def _delete_usage_plan_key(ctx: DeployContext, physical_id: str, attrs: dict[str, Any]) -> None:
    ctx.client("apigateway").delete_usage_plan_key(usagePlanId=attrs["UsagePlanId"], keyId=attrs["KeyId"])


# -- validators, models -------------------------------------------------------------------------
def _create_validator(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    made = ctx.client("apigateway").create_request_validator(
        restApiId=props["RestApiId"], name=props.get("Name") or logical_id,
        validateRequestBody=_truthy(props.get("ValidateRequestBody", False)),
        validateRequestParameters=_truthy(props.get("ValidateRequestParameters", False)))
    return made["id"], {"RequestValidatorId": made["id"], "RestApiId": props["RestApiId"]}


def _create_model(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    schema = props.get("Schema", {})
    kwargs: dict[str, Any] = {"restApiId": props["RestApiId"], "name": props.get("Name") or logical_id,
                              "contentType": props.get("ContentType", "application/json"),
                              "schema": schema if isinstance(schema, str) else json.dumps(schema)}
    if "Description" in props:
        kwargs["description"] = props["Description"]
    ctx.client("apigateway").create_model(**kwargs)
    return kwargs["name"], {"RestApiId": props["RestApiId"]}


PROVIDERS: dict[str, Provider] = {
    # not served by the front door, so refused: Policy (resource policies), MinimumCompressionSize,
    # DisableExecuteApiEndpoint, BodyS3Location, Mode/CloneFrom/FailOnWarnings; Parameters only as SAM writes
    # them beside EndpointConfiguration (endpointConfigurationTypes, which says the same)
    "AWS::ApiGateway::RestApi": Provider(property_set(
        "Name", "Description", "Body", "ApiKeySourceType", "EndpointConfiguration", "BinaryMediaTypes", "Tags",
        "Parameters"),
        _create_rest_api, _delete_rest_api),
    "AWS::ApiGateway::Resource": Provider(property_set("RestApiId", "ParentId", "PathPart"), _create_resource,
                                          _under_api(lambda a, pid, at: a.delete_resource(restApiId=at["RestApiId"],
                                                                                            resourceId=pid))),
    "AWS::ApiGateway::Method": Provider(property_set(
        "RestApiId", "ResourceId", "HttpMethod", "AuthorizationType", "ApiKeyRequired", "RequestValidatorId",
        "RequestModels", "RequestParameters", "Integration", "MethodResponses", "OperationName"),
        _create_method, _under_api(lambda a, pid, at: a.delete_method(
            restApiId=at["RestApiId"], resourceId=at["ResourceId"], httpMethod=at["HttpMethod"]))),
    "AWS::ApiGateway::Deployment": Provider(property_set("RestApiId", "StageName", "Description"), _create_deployment,
                                            _under_api(_delete_deployment)),
    "AWS::ApiGateway::Stage": Provider(property_set("RestApiId", "StageName", "DeploymentId", "Description",
                                                    "Variables", "TracingEnabled", "Tags"), _create_stage,
                                       _under_api(lambda a, pid, at: a.delete_stage(restApiId=at["RestApiId"],
                                                                                     stageName=pid))),
    "AWS::ApiGateway::ApiKey": Provider(property_set("Name", "Description", "Enabled", "Value", "StageKeys", "Tags"),
                                        _create_api_key, lambda ctx, pid, at: ctx.client("apigateway").delete_api_key(
                                            apiKey=pid)),
    "AWS::ApiGateway::UsagePlan": Provider(property_set("UsagePlanName", "Description", "ApiStages", "Throttle", "Quota",
                                                        "Tags"), _create_usage_plan,
                                           lambda ctx, pid, at: ctx.client("apigateway").delete_usage_plan(
                                               usagePlanId=pid)),
    "AWS::ApiGateway::UsagePlanKey": Provider(property_set("KeyId", "KeyType", "UsagePlanId"), _create_usage_plan_key,
                                              _delete_usage_plan_key),
    "AWS::ApiGateway::RequestValidator": Provider(property_set("RestApiId", "Name", "ValidateRequestBody",
                                                               "ValidateRequestParameters"), _create_validator,
                                                  _under_api(lambda a, pid, at: a.delete_request_validator(
                                                      restApiId=at["RestApiId"], requestValidatorId=pid))),
    "AWS::ApiGateway::Model": Provider(property_set("RestApiId", "Name", "ContentType", "Schema", "Description"),
                                       _create_model, _under_api(lambda a, pid, at: a.delete_model(
                                           restApiId=at["RestApiId"], modelName=pid))),
}
