"""Puts one REST API method — its request side, integration, integration responses and method
responses — through the apigateway API. Both ways a template describes a method end here: an
``AWS::ApiGateway::Method`` resource (CloudFormation's names) and a path in a RestApi's OpenAPI
``Body`` (``x-amazon-apigateway-integration``), each first turned into a ``MethodSpec``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infra.exceptions import DeployError


@dataclass
class IntegrationResponseSpec:
    status_code: str
    selection_pattern: str | None = None  # None: the default response
    templates: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class MethodSpec:
    http_method: str
    authorization_type: str = "NONE"
    api_key_required: bool = False
    validator_id: str | None = None
    request_models: dict[str, str] = field(default_factory=dict)
    request_parameters: dict[str, bool] = field(default_factory=dict)
    operation_name: str | None = None
    integration: dict[str, Any] | None = None  # put_integration's parameters, in the API's names
    integration_responses: list[IntegrationResponseSpec] = field(default_factory=list)
    method_responses: list[dict[str, Any]] = field(default_factory=list)  # put_method_response's parameters


def put_method(apigw: Any, api_id: str, resource_id: str, spec: MethodSpec) -> None:
    kwargs: dict[str, Any] = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": spec.http_method,
                              "authorizationType": spec.authorization_type, "apiKeyRequired": spec.api_key_required}
    if spec.validator_id:
        kwargs["requestValidatorId"] = spec.validator_id
    if spec.request_models:
        kwargs["requestModels"] = spec.request_models
    if spec.request_parameters:
        kwargs["requestParameters"] = spec.request_parameters
    if spec.operation_name:
        kwargs["operationName"] = spec.operation_name
    apigw.put_method(**kwargs)
    for response in spec.method_responses:
        apigw.put_method_response(restApiId=api_id, resourceId=resource_id, httpMethod=spec.http_method, **response)
    if spec.integration is None:
        return
    apigw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=spec.http_method, **spec.integration)
    for item in spec.integration_responses:
        extra: dict[str, Any] = {}
        if item.selection_pattern is not None:
            extra["selectionPattern"] = item.selection_pattern
        apigw.put_integration_response(restApiId=api_id, resourceId=resource_id, httpMethod=spec.http_method,
                                       statusCode=str(item.status_code), responseTemplates=item.templates,
                                       responseParameters=item.parameters, **extra)


def _truthy(value: Any) -> bool:
    return str(value).lower() == "true"


# -- from CloudFormation's AWS::ApiGateway::Method ----------------------------------------------
_INTEGRATION_KEYS = {  # CloudFormation name -> put_integration's
    "Type": "type", "Uri": "uri", "IntegrationHttpMethod": "integrationHttpMethod", "Credentials": "credentials",
    "RequestTemplates": "requestTemplates", "RequestParameters": "requestParameters",
    "PassthroughBehavior": "passthroughBehavior", "TimeoutInMillis": "timeoutInMillis",
    "CacheKeyParameters": "cacheKeyParameters", "CacheNamespace": "cacheNamespace",
}  # ContentHandling and VPC links (ConnectionType/ConnectionId) are not served by the front door: refused
_INTEGRATION_RESPONSE_KEYS = {"StatusCode", "SelectionPattern", "ResponseTemplates", "ResponseParameters"}
_METHOD_RESPONSE_KEYS = {"StatusCode", "ResponseParameters", "ResponseModels"}


def check_authorization(logical_id: str, authorization_type: str) -> None:
    """Authorizers and IAM authorization are not enforced by the front door: refuse them rather
    than serve the method open."""
    if str(authorization_type).upper() != "NONE":
        raise DeployError(logical_id, f"AuthorizationType {authorization_type} is not supported on the embedded and "
                                      f"local targets (the front door enforces API keys only)")


def spec_from_cloudformation(logical_id: str, props: dict[str, Any]) -> MethodSpec:
    check_authorization(logical_id, props.get("AuthorizationType", "NONE"))
    spec = MethodSpec(
        http_method=str(props["HttpMethod"]).upper(),
        authorization_type=props.get("AuthorizationType", "NONE"),
        api_key_required=_truthy(props.get("ApiKeyRequired", False)),
        validator_id=props.get("RequestValidatorId"),
        request_models=dict(props.get("RequestModels", {})),
        request_parameters={k: _truthy(v) for k, v in props.get("RequestParameters", {}).items()},
        operation_name=props.get("OperationName"),
    )
    for response in props.get("MethodResponses", []):
        _only(logical_id, "MethodResponses", response, _METHOD_RESPONSE_KEYS)
        item: dict[str, Any] = {"statusCode": str(response["StatusCode"])}
        if "ResponseParameters" in response:
            item["responseParameters"] = {k: _truthy(v) for k, v in response["ResponseParameters"].items()}
        if "ResponseModels" in response:
            item["responseModels"] = response["ResponseModels"]
        spec.method_responses.append(item)
    integration = props.get("Integration")
    if integration is not None:
        _only(logical_id, "Integration", integration, set(_INTEGRATION_KEYS) | {"IntegrationResponses"})
        spec.integration = {_INTEGRATION_KEYS[k]: v for k, v in integration.items() if k in _INTEGRATION_KEYS}
        normalize_integration(spec.integration)
        for response in integration.get("IntegrationResponses", []):
            _only(logical_id, "IntegrationResponses", response, _INTEGRATION_RESPONSE_KEYS)
            spec.integration_responses.append(IntegrationResponseSpec(
                status_code=str(response["StatusCode"]), selection_pattern=response.get("SelectionPattern"),
                templates=dict(response.get("ResponseTemplates", {})),
                parameters=dict(response.get("ResponseParameters", {}))))
    return spec


def normalize_integration(integration: dict[str, Any]) -> None:
    """The API's spellings: upper-case type and passthrough behavior, a number of milliseconds."""
    integration["type"] = str(integration["type"]).upper()
    if "passthroughBehavior" in integration:
        integration["passthroughBehavior"] = str(integration["passthroughBehavior"]).upper()
    if "timeoutInMillis" in integration:
        integration["timeoutInMillis"] = int(integration["timeoutInMillis"])


def _only(logical_id: str, where: str, given: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise DeployError(logical_id, f"{where} properties {unknown} are not supported")
