"""Imports a REST API's OpenAPI 3 or Swagger 2 ``Body`` (with API Gateway's extensions, as SAM's
``AWS::Serverless::Api`` emits it) through the apigateway API, the way API Gateway's ImportRestApi
does: request validators, models, resources, methods, integrations and their responses.

moto's own importer drops most of this (integrations, validators, API key requirements), so the
toolkit makes the calls itself. An extension or integration key it does not realize fails the
deploy with the resource's logical id.
"""

from __future__ import annotations

import json
from typing import Any

from infra.exceptions import DeployError
from infra.providers.restapi_methods import IntegrationResponseSpec, MethodSpec, normalize_integration, put_method

_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "x-amazon-apigateway-any-method"}
_SUPPORTED_TOP = {"openapi", "swagger", "info", "paths", "components", "definitions", "securityDefinitions",
                  "servers", "basePath", "host", "schemes", "consumes", "produces", "tags",
                  "x-amazon-apigateway-request-validators", "x-amazon-apigateway-request-validator",
                  "x-amazon-apigateway-api-key-source", "x-amazon-apigateway-binary-media-types"}
_INTEGRATION_KEYS = {  # x-amazon-apigateway-integration key -> put_integration's
    "type": "type", "uri": "uri", "httpMethod": "integrationHttpMethod", "credentials": "credentials",
    "requestTemplates": "requestTemplates", "requestParameters": "requestParameters",
    "passthroughBehavior": "passthroughBehavior", "timeoutInMillis": "timeoutInMillis",
    "cacheKeyParameters": "cacheKeyParameters", "cacheNamespace": "cacheNamespace",
}  # contentHandling and VPC links are not served by the front door: refused


def import_body(apigw: Any, api_id: str, document: dict[str, Any], logical_id: str) -> None:
    unknown = sorted(k for k in set(document) - _SUPPORTED_TOP if k.startswith("x-amazon"))
    if unknown:
        raise DeployError(logical_id, f"OpenAPI extensions {unknown} are not supported")
    patches = []
    if "x-amazon-apigateway-api-key-source" in document:
        patches.append({"op": "replace", "path": "/apiKeySource", "value": document["x-amazon-apigateway-api-key-source"]})
    for media_type in document.get("x-amazon-apigateway-binary-media-types", []):
        patches.append({"op": "add", "path": f"/binaryMediaTypes/{media_type.replace('/', '~1')}"})
    if patches:
        apigw.update_rest_api(restApiId=api_id, patchOperations=patches)

    validators = {}
    for name, config in document.get("x-amazon-apigateway-request-validators", {}).items():
        validators[name] = apigw.create_request_validator(
            restApiId=api_id, name=name, validateRequestBody=bool(config.get("validateRequestBody")),
            validateRequestParameters=bool(config.get("validateRequestParameters")))["id"]
    default_validator = document.get("x-amazon-apigateway-request-validator")

    schemas = document.get("components", {}).get("schemas") or document.get("definitions") or {}
    for name, schema in schemas.items():
        apigw.create_model(restApiId=api_id, name=name, contentType="application/json",
                           schema=json.dumps(_dereference(schema, document)))
    schemes = {**document.get("components", {}).get("securitySchemes", {}), **document.get("securityDefinitions", {})}
    key_schemes = {name for name, scheme in schemes.items()
                   if scheme.get("type") == "apiKey" and "x-amazon-apigateway-authorizer" not in scheme}

    resources = {r["path"]: r["id"] for r in apigw.get_resources(restApiId=api_id)["items"]}
    for path, item in document.get("paths", {}).items():
        resource_id = _resource(apigw, api_id, resources, path)
        shared_parameters = item.get("parameters", [])
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            spec = _method_spec(logical_id, path, method, operation, shared_parameters, validators,
                                operation.get("x-amazon-apigateway-request-validator", default_validator),
                                key_schemes, document.get("security", []))
            put_method(apigw, api_id, resource_id, spec)


def _resource(apigw: Any, api_id: str, resources: dict[str, str], path: str) -> str:
    """The id of ``path``'s resource, creating it and any missing parents."""
    if path in resources:
        return resources[path]
    parent, _, part = path.rstrip("/").rpartition("/")
    parent_id = _resource(apigw, api_id, resources, parent or "/")
    resources[path] = apigw.create_resource(restApiId=api_id, parentId=parent_id, pathPart=part)["id"]
    return resources[path]


def _method_spec(logical_id: str, path: str, method: str, operation: dict[str, Any],
                 shared_parameters: list[dict[str, Any]], validators: dict[str, str], validator: str | None,
                 key_schemes: set[str], default_security: list[dict[str, Any]]) -> MethodSpec:
    where = f"{method.upper()} {path}"
    extensions = sorted(k for k in operation if k.startswith("x-amazon-apigateway")
                        and k not in ("x-amazon-apigateway-integration", "x-amazon-apigateway-request-validator"))
    if extensions:
        raise DeployError(logical_id, f"{where}: OpenAPI extensions {extensions} are not supported")
    http_method = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
    security = operation.get("security", default_security)
    for requirement in security:
        for name in requirement:
            if name not in key_schemes:
                raise DeployError(logical_id, f"{where}: security scheme '{name}' is not an API key; authorizers "
                                              f"are not supported on the embedded and local targets")
    spec = MethodSpec(http_method=http_method, operation_name=operation.get("operationId"),
                      api_key_required=any(name in key_schemes for requirement in security for name in requirement))
    if validator is not None:
        if validator not in validators:
            raise DeployError(logical_id, f"{where}: request validator '{validator}' is not defined")
        spec.validator_id = validators[validator]
    for parameter in [*shared_parameters, *operation.get("parameters", [])]:
        location = {"path": "path", "query": "querystring", "header": "header"}.get(parameter.get("in", ""))
        if location:
            spec.request_parameters[f"method.request.{location}.{parameter['name']}"] = bool(parameter.get("required"))
        elif parameter.get("in") == "body" and "$ref" in parameter.get("schema", {}):  # Swagger 2
            spec.request_models["application/json"] = parameter["schema"]["$ref"].rsplit("/", 1)[-1]
    for content_type, media in operation.get("requestBody", {}).get("content", {}).items():  # OpenAPI 3
        if "$ref" in media.get("schema", {}):
            spec.request_models[content_type] = media["schema"]["$ref"].rsplit("/", 1)[-1]
        elif media.get("schema"):
            raise DeployError(logical_id, f"{where}: an inline request schema is not supported: use a $ref to a model")
    for status, response in operation.get("responses", {}).items():
        headers = response.get("headers", {}) if isinstance(response, dict) else {}
        item: dict[str, Any] = {"statusCode": str(status)}
        if headers:
            item["responseParameters"] = {f"method.response.header.{name}": False for name in headers}
        spec.method_responses.append(item)
    integration = operation.get("x-amazon-apigateway-integration")
    if integration is None:
        raise DeployError(logical_id, f"{where} has no x-amazon-apigateway-integration")
    unknown = sorted(set(integration) - set(_INTEGRATION_KEYS) - {"responses"})
    if unknown:
        raise DeployError(logical_id, f"{where}: integration keys {unknown} are not supported")
    spec.integration = {_INTEGRATION_KEYS[k]: v for k, v in integration.items() if k in _INTEGRATION_KEYS}
    normalize_integration(spec.integration)
    for pattern, response in integration.get("responses", {}).items():
        if "contentHandling" in response:
            raise DeployError(logical_id, f"{where}: integration response contentHandling is not supported")
        spec.integration_responses.append(IntegrationResponseSpec(
            status_code=str(response["statusCode"]), selection_pattern=None if pattern == "default" else pattern,
            templates=dict(response.get("responseTemplates", {})),
            parameters=dict(response.get("responseParameters", {}))))
    return spec


def _dereference(node: Any, document: dict[str, Any], depth: int = 0) -> Any:
    """A schema with its local ``$ref``s replaced by what they point to (a model stands alone)."""
    if depth > 32:
        raise ValueError("schema $refs nest too deep (a cycle?)")
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = document
            for part in ref[2:].split("/"):
                target = target[part]
            return _dereference(target, document, depth + 1)
        return {k: _dereference(v, document, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_dereference(v, document, depth + 1) for v in node]
    return node
