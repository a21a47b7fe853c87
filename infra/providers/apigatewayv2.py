"""API Gateway v2 resource types (HTTP and WebSocket APIs) through the apigatewayv2 API.

Protocol-agnostic: the same providers deploy ``ProtocolType: HTTP`` and ``ProtocolType: WEBSOCKET``
APIs — routes, integrations, route and integration responses, stages. A CloudFormation property
has the same name as the API's parameter here, so each provider lists the properties it passes
on (and converts the ones a ``Ref`` to a parameter turns into strings).

moto has no CreateDeployment: ``AWS::ApiGatewayV2::Deployment`` gets an id of the toolkit's, and
the front door (infra/compute/http) serves every stage with the API's routes as they are now —
what ``AutoDeploy: true`` does on AWS. A ``Body`` (OpenAPI, as SAM's ``AWS::Serverless::HttpApi``
emits it) is imported with ReimportApi after the API is created.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable

from infra.exceptions import DeployError
from infra.providers.base import Created, DeployContext, Provider, property_set, undone_on_failure

_BOOLEANS = {"ApiKeyRequired", "AutoDeploy", "DisableExecuteApiEndpoint", "DisableSchemaValidation", "FailOnWarnings"}
_INTEGERS = {"TimeoutInMillis"}


def _kwargs(props: dict[str, Any], names: frozenset[str]) -> dict[str, Any]:
    """The API call's parameters: the listed properties, with CloudFormation's type conversions."""
    kwargs: dict[str, Any] = {}
    for key in names & set(props):
        value = props[key]
        if key in _BOOLEANS:
            value = str(value).lower() == "true"
        elif key in _INTEGERS:
            value = int(value)
        kwargs[key] = value
    return kwargs


# -- Api --------------------------------------------------------------------------------------
_API_CALL = property_set("Name", "ProtocolType", "RouteSelectionExpression", "ApiKeySelectionExpression",
                         "CorsConfiguration", "Description", "DisableExecuteApiEndpoint", "DisableSchemaValidation",
                         "Version", "Tags")


def _create_api(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    v2 = ctx.client("apigatewayv2")
    body = props.get("Body")
    kwargs = _kwargs(props, _API_CALL)
    if body is not None:
        document = json.loads(body) if isinstance(body, str) else body
        kwargs.setdefault("Name", document.get("info", {}).get("title") or ctx.physical_name(logical_id))
        kwargs.setdefault("ProtocolType", "HTTP")
    elif "Name" not in kwargs or "ProtocolType" not in kwargs:
        raise DeployError(logical_id, "an ApiGatewayV2::Api needs Name and ProtocolType, or a Body")
    api = v2.create_api(**kwargs)
    api_id = api["ApiId"]
    if body is not None:
        with undone_on_failure(lambda: v2.delete_api(ApiId=api_id)):
            extra = {"FailOnWarnings": True} if str(props.get("FailOnWarnings", "")).lower() == "true" else {}
            v2.reimport_api(ApiId=api_id, Body=json.dumps(document), **extra)
    return api_id, {"ApiId": api_id, "ApiEndpoint": api["ApiEndpoint"]}


def _delete_api(ctx: DeployContext, api_id: str, attrs: dict[str, Any]) -> None:
    ctx.client("apigatewayv2").delete_api(ApiId=api_id)


# -- children of an Api -----------------------------------------------------------------------
def _child(method: str, id_key: str, names: frozenset[str], parent_keys: tuple[str, ...] = ("ApiId",)
           ) -> Callable[[DeployContext, str, dict[str, Any]], Created]:
    """A provider's create for a resource made by one call under an API (a route under an API, a
    route response under a route...): the physical id is the call's ``id_key``."""
    def create(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
        missing = [key for key in parent_keys if key not in props]
        if missing:
            raise DeployError(logical_id, f"required properties {missing} are missing")
        made = getattr(ctx.client("apigatewayv2"), method)(**_kwargs(props, names))
        physical_id = made[id_key]
        return physical_id, {id_key: physical_id, **{key: props[key] for key in parent_keys}}
    return create


def _child_delete(method: str, id_key: str, parent_keys: tuple[str, ...] = ("ApiId",)
                  ) -> Callable[[DeployContext, str, dict[str, Any]], None]:
    def delete(ctx: DeployContext, physical_id: str, attrs: dict[str, Any]) -> None:
        v2 = ctx.client("apigatewayv2")
        try:
            v2.get_api(ApiId=attrs["ApiId"])
        except v2.exceptions.NotFoundException:
            return  # deleted with its API
        getattr(v2, method)(**{key: attrs[key] for key in parent_keys}, **{id_key: physical_id})
    return delete


_ROUTE = property_set("ApiId", "RouteKey", "Target", "AuthorizationType", "ApiKeyRequired",
                      "ModelSelectionExpression", "OperationName", "RequestModels", "RequestParameters",
                      "RouteResponseSelectionExpression")  # authorizers: not enforced locally, so refused
_ROUTE_RESPONSE = property_set("ApiId", "RouteId", "RouteResponseKey", "ModelSelectionExpression", "ResponseModels",
                               "ResponseParameters")
_INTEGRATION = property_set("ApiId", "IntegrationType", "IntegrationUri", "IntegrationMethod",
                            "PayloadFormatVersion", "TimeoutInMillis", "RequestTemplates", "RequestParameters",
                            "TemplateSelectionExpression", "CredentialsArn", "PassthroughBehavior", "Description")
# not served by the front door, so refused: IntegrationSubtype (HTTP APIs' first-class AWS integrations),
# ResponseParameters, ContentHandlingStrategy, VPC links (ConnectionType/ConnectionId), TlsConfig
_INTEGRATION_RESPONSE = property_set("ApiId", "IntegrationId", "IntegrationResponseKey", "ContentHandlingStrategy",
                                     "ResponseParameters", "ResponseTemplates", "TemplateSelectionExpression")
def _create_route(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    if str(props.get("AuthorizationType", "NONE")).upper() != "NONE":
        raise DeployError(logical_id, f"AuthorizationType {props['AuthorizationType']} is not supported on the "
                                      f"embedded and local targets (no authorizer runs there)")
    return _child("create_route", "RouteId", _ROUTE)(ctx, logical_id, props)


_STAGE = property_set("ApiId", "StageName", "AutoDeploy", "DeploymentId", "Description", "StageVariables",
                      "DefaultRouteSettings", "RouteSettings", "AccessLogSettings", "Tags")
_DEPLOYMENT = property_set("ApiId", "Description", "StageName")


def _create_stage(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    if "ApiId" not in props or "StageName" not in props:
        raise DeployError(logical_id, "an ApiGatewayV2::Stage needs ApiId and StageName")
    ctx.client("apigatewayv2").create_stage(**_kwargs(props, _STAGE))
    attrs = {"ApiId": props["ApiId"], "StageName": props["StageName"]}
    if "DeploymentId" in props:  # moto does not keep it: the stack record does
        attrs["DeploymentId"] = props["DeploymentId"]
    return props["StageName"], attrs


def _create_deployment(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    if "ApiId" not in props:
        raise DeployError(logical_id, "an ApiGatewayV2::Deployment needs ApiId")
    ctx.client("apigatewayv2").get_api(ApiId=props["ApiId"])  # the API must exist
    deployment_id = uuid.uuid4().hex[:10]
    return deployment_id, {"DeploymentId": deployment_id, "ApiId": props["ApiId"]}


def _delete_deployment(ctx: DeployContext, deployment_id: str, attrs: dict[str, Any]) -> None:
    """Nothing in moto to delete (see the module docstring)."""


PROVIDERS: dict[str, Provider] = {
    "AWS::ApiGatewayV2::Api": Provider(_API_CALL | {"Body", "FailOnWarnings"}, _create_api, _delete_api),
    "AWS::ApiGatewayV2::Route": Provider(_ROUTE, _create_route, _child_delete("delete_route", "RouteId")),
    "AWS::ApiGatewayV2::RouteResponse": Provider(
        _ROUTE_RESPONSE, _child("create_route_response", "RouteResponseId", _ROUTE_RESPONSE, ("ApiId", "RouteId")),
        _child_delete("delete_route_response", "RouteResponseId", ("ApiId", "RouteId"))),
    "AWS::ApiGatewayV2::Integration": Provider(
        _INTEGRATION, _child("create_integration", "IntegrationId", _INTEGRATION),
        _child_delete("delete_integration", "IntegrationId")),
    "AWS::ApiGatewayV2::IntegrationResponse": Provider(
        _INTEGRATION_RESPONSE,
        _child("create_integration_response", "IntegrationResponseId", _INTEGRATION_RESPONSE,
               ("ApiId", "IntegrationId")),
        _child_delete("delete_integration_response", "IntegrationResponseId", ("ApiId", "IntegrationId"))),
    "AWS::ApiGatewayV2::Stage": Provider(_STAGE, _create_stage, _child_delete("delete_stage", "StageName")),
    "AWS::ApiGatewayV2::Deployment": Provider(_DEPLOYMENT, _create_deployment, _delete_deployment),
}
