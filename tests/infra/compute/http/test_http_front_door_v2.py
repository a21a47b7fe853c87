"""The front door serving an HTTP API (API Gateway v2): route keys with path parameters, greedy
ANY routes, $default, the payload format 2.0 event and response (cookies, inferred responses),
payload format 1.0 routes, CORS, and HTTP APIs' 404 for an unknown route."""

from __future__ import annotations

import pytest

from infra.compute.http import HttpRequest, api_path

ORIGIN = "https://app.example.com"


@pytest.fixture
def http_api(cloud, deploy):
    stack = deploy("frontdoor_http")

    def call(method, path, body=None, headers=None, api="ApiId", stage="$default"):
        url = api_path(stack.outputs[api], stage, path)
        return cloud.front_door.handle(HttpRequest.build(method, url, headers or {}, body))

    return stack, call


def test_payload_2_event_has_the_http_api_shape(http_api):
    stack, call = http_api

    response = call("GET", "/hello/ada?x=1&x=2&y=3",
                    headers=[("X-Trace", "a"), ("x-trace", "b"), ("Cookie", "s=1; theme=dark")])

    event = response.json()
    assert event["version"] == "2.0" and event["routeKey"] == "GET /hello/{name}"
    assert event["rawPath"] == "/hello/ada" and event["rawQueryString"] == "x=1&x=2&y=3"
    assert event["pathParameters"] == {"name": "ada"}
    assert event["queryStringParameters"] == {"x": "1,2", "y": "3"}
    assert event["headers"]["x-trace"] == "a,b" and "cookie" not in event["headers"]
    assert event["cookies"] == ["s=1", "theme=dark"]
    assert event["stageVariables"] == {"tier": "gold"}
    context = event["requestContext"]
    assert context["http"]["method"] == "GET" and context["http"]["path"] == "/hello/ada"
    assert (context["apiId"], context["stage"]) == (stack.outputs["ApiId"], "$default")


def test_greedy_any_route_takes_every_method_and_the_rest_of_the_path(http_api):
    _, call = http_api

    event = call("DELETE", "/any/a/b/c").json()

    assert event["routeKey"] == "ANY /any/{proxy+}" and event["pathParameters"] == {"proxy": "a/b/c"}
    assert event["requestContext"]["http"]["method"] == "DELETE"


def test_unmatched_request_goes_to_the_default_route(http_api):
    _, call = http_api

    event = call("PUT", "/nothing/here", body="x", headers={"Content-Type": "text/plain"}).json()

    assert event["routeKey"] == "$default" and event["body"] == "x"


def test_unknown_route_on_an_api_without_default_is_404(http_api):
    _, call = http_api

    unknown = call("GET", "/only", api="BareApiId", stage="live")  # the route is POST /only
    wrong_stage = call("POST", "/only", api="BareApiId", stage="nope")

    assert (unknown.status, unknown.json()) == (404, {"message": "Not Found"})
    assert wrong_stage.status == 404


def test_payload_1_route_gets_the_rest_shaped_event(http_api):
    _, call = http_api

    event = call("GET", "/v1/grace?x=1&x=2").json()

    assert event["httpMethod"] == "GET" and event["pathParameters"] == {"name": "grace"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}


def test_cookies_in_the_response_become_set_cookie_headers(http_api):
    _, call = http_api

    response = call("GET", "/hello/x?mode=cookies")

    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["session=abc; HttpOnly", "theme=dark"]
    assert response.body == b"with cookies"


def test_response_without_status_code_is_a_200_json_body(http_api):
    _, call = http_api

    response = call("GET", "/hello/x?mode=bare")

    assert response.status == 200 and response.header("Content-Type") == "application/json"
    assert response.json() == {"hello": "world"}


@pytest.mark.parametrize("mode", ["raise", "bad-status"])
def test_failing_function_is_a_502(http_api, mode):
    _, call = http_api

    response = call("GET", f"/hello/x?mode={mode}")

    assert (response.status, response.json()) == (502, {"message": "Internal server error"})


def test_cors_preflight_is_answered_for_an_allowed_origin(http_api):
    _, call = http_api

    allowed = call("OPTIONS", "/hello/x", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    other = call("OPTIONS", "/hello/x", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    simple = call("GET", "/hello/x?mode=bare", headers={"Origin": ORIGIN})

    assert allowed.status == 204
    assert allowed.header("Access-Control-Allow-Origin") == ORIGIN
    assert allowed.header("Access-Control-Allow-Methods") == "GET,POST"
    assert allowed.header("Access-Control-Max-Age") == "300"
    assert other.status == 204 and other.header("Access-Control-Allow-Origin") is None
    assert simple.header("Access-Control-Allow-Origin") == ORIGIN


def test_websocket_api_is_loaded_with_its_route_keys_and_plain_http_is_told_to_upgrade(cloud, deploy):
    stack = deploy("apigwv2_apis")

    api = cloud.front_door.api(stack.outputs["SocketApiId"])
    response = cloud.front_door.handle(HttpRequest.build("GET", api_path(stack.outputs["SocketApiId"], "prod", "/")))

    assert api.kind == "WEBSOCKET" and {r.key for r in api.routes} == {"$connect", "send"}
    assert response.status == 426 and response.header("Upgrade") == "websocket"
