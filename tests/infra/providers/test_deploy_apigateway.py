"""The embedded deployer realizes API Gateway v2 resources (HTTP and WebSocket APIs alike), fails
loudly on what it cannot (for v1 REST APIs too: authorization the front door cannot enforce), and
destroy removes them. REST API resources are exercised through the front door tests."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from infra.exceptions import DeployError

TEMPLATES = Path(__file__).resolve().parents[1] / "fixtures" / "templates"


def _routes(v2, api_id: str) -> dict[str, dict]:
    return {route["RouteKey"]: route for route in v2.get_routes(ApiId=api_id)["Items"]}


def test_http_api_route_integration_and_stage_are_realized(cloud, deploy):
    stack = deploy("apigwv2_apis", TimeoutMillis=12000)
    v2 = cloud.client("apigatewayv2")
    api_id = stack.outputs["HttpApiId"]

    api = v2.get_api(ApiId=api_id)
    route = _routes(v2, api_id)["GET /items/{id}"]
    (integration,) = v2.get_integrations(ApiId=api_id)["Items"]
    (stage,) = v2.get_stages(ApiId=api_id)["Items"]

    assert api["ProtocolType"] == "HTTP"
    assert api["CorsConfiguration"]["AllowOrigins"] == ["https://app.example.com"]
    assert stack.outputs["HttpApiEndpoint"] == api["ApiEndpoint"]
    assert route["RouteId"] == stack.outputs["HttpRouteId"]
    assert route["Target"] == f"integrations/{integration['IntegrationId']}"
    assert integration["IntegrationUri"] == stack.outputs["EchoArn"]
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["TimeoutInMillis"] == 12000  # a Ref to a Number parameter, converted
    assert (stage["StageName"], stage["AutoDeploy"]) == ("$default", True)


def test_websocket_api_routes_responses_deployment_and_stage_are_realized(cloud, deploy):
    stack = deploy("apigwv2_apis")
    v2 = cloud.client("apigatewayv2")
    api_id = stack.outputs["SocketApiId"]

    api = v2.get_api(ApiId=api_id)
    routes = _routes(v2, api_id)
    (integration,) = v2.get_integrations(ApiId=api_id)["Items"]
    send_response = v2.get_route_response(ApiId=api_id, RouteId=routes["send"]["RouteId"],
                                          RouteResponseId=stack.outputs["SendRouteResponseId"])
    integration_responses = v2.get_integration_responses(ApiId=api_id,
                                                         IntegrationId=integration["IntegrationId"])["Items"]
    (stage,) = v2.get_stages(ApiId=api_id)["Items"]

    assert (api["ProtocolType"], api["RouteSelectionExpression"]) == ("WEBSOCKET", "$request.body.action")
    assert set(routes) == {"$connect", "send"}
    assert all(r["Target"] == f"integrations/{integration['IntegrationId']}" for r in routes.values())
    assert send_response["RouteResponseKey"] == "$default"
    assert [r["IntegrationResponseKey"] for r in integration_responses] == ["$default"]
    assert stage["StageName"] == "prod"
    assert stack.resource("SocketStage").attributes["DeploymentId"] == stack.outputs["SocketDeploymentId"]


def test_sam_http_api_body_is_imported_as_routes(cloud, deploy):
    stack = deploy("apigwv2_apis")
    v2 = cloud.client("apigatewayv2")
    api_id = stack.outputs["SamHttpApiId"]

    route = _routes(v2, api_id)["GET /hello/{name}"]
    integration = v2.get_integration(ApiId=api_id, IntegrationId=route["Target"].split("/", 1)[1])
    stages = [s["StageName"] for s in v2.get_stages(ApiId=api_id)["Items"]]

    assert integration["IntegrationType"].upper() == "AWS_PROXY"  # moto keeps the OpenAPI spelling
    assert "SamRouted" in integration["IntegrationUri"]
    assert stages == ["$default"]


def test_destroy_removes_the_v2_apis(cloud, deploy):
    stack = deploy("apigwv2_apis")
    ids = {stack.outputs[k] for k in ("HttpApiId", "SocketApiId", "SamHttpApiId")}

    cloud.destroy(stack.name)

    remaining = {api["ApiId"] for api in cloud.client("apigatewayv2").get_apis()["Items"]}
    assert not ids & remaining


def test_unsupported_v2_property_fails_the_deploy_naming_the_resource(cloud):
    with pytest.raises(DeployError) as failure:
        cloud.deploy("fixture", template=TEMPLATES / "unsupported_apigwv2_property.yaml",
                     stack_name=f"bad-v2-{uuid.uuid4().hex[:8]}")

    assert failure.value.logical_id == "HttpApi"
    assert "BodyS3Location" in str(failure.value)


@pytest.mark.parametrize(("template", "logical_id", "fragment"), [
    ("unsupported_authorizer", "Open", "AuthorizationType AWS_IAM"),
    ("unsupported_openapi_authorizer", "Api", "security scheme 'tokens' is not an API key"),
    ("unsupported_restapi_policy", "Api", "['Policy']"),
])
def test_access_control_the_front_door_cannot_enforce_fails_the_deploy(cloud, template, logical_id, fragment):
    with pytest.raises(DeployError) as failure:
        cloud.deploy("fixture", template=TEMPLATES / f"{template}.yaml", stack_name=f"auth-{uuid.uuid4().hex[:8]}")

    assert failure.value.logical_id == logical_id and fragment in str(failure.value)


def test_a_regional_sam_api_deploys_and_other_import_parameters_fail_the_deploy(cloud, tmp_path):
    regional = cloud.deploy("fixture", template=TEMPLATES / "regional_restapi.yaml",
                            stack_name=f"regional-{uuid.uuid4().hex[:8]}")
    api = cloud.client("apigateway").get_rest_api(restApiId=regional["ApiId"])
    assert api["endpointConfiguration"]["types"] == ["REGIONAL"]
    imported = tmp_path / "template.yaml"
    imported.write_text("Resources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n      Name: x\n"
                        "      Parameters: {ignore: documentation}\n")
    with pytest.raises(DeployError) as failure:
        cloud.deploy("fixture", template=imported, stack_name=f"import-{uuid.uuid4().hex[:8]}")
    assert failure.value.logical_id == "Api" and "import Parameters" in failure.value.reason
