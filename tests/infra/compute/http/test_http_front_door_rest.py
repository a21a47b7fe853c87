"""The front door serving a REST API (v1) made of plain ApiGateway resources: routing, the Lambda
proxy event and response mapping, service integrations with mapping templates, API keys and
usage plans, request validators, and API Gateway's error answers — in-process through
``handle()``; tests/infra/compute/http/test_http_front_door_socket.py drives the same over a real socket."""

from __future__ import annotations

import base64
import json
import threading
import uuid

import lambda_gates
import pytest

from infra.compute.http import HttpRequest, api_path

KEY = "fixture-key-0123456789abcdef"


@pytest.fixture
def rest(cloud, deploy):
    """``stack, call = rest(**parameters)``; ``call(method, path, body=None, headers=None)``."""

    def make(**parameters):
        stack = deploy("frontdoor_rest", **parameters)
        base = api_path(stack.outputs["ApiId"], "test")

        def call(method, path, body=None, headers=None):
            return cloud.front_door.handle(HttpRequest.build(method, base + path.lstrip("/"), headers or {}, body))

        return stack, call

    return make


def _event(response):
    assert response.status == 200, response.body
    return response.json()


# -- routing ------------------------------------------------------------------------------------
def test_lambda_proxy_event_has_the_rest_api_shape(rest):
    stack, call = rest()

    response = call("GET", "/echo/abc?x=1&x=2&y=3", headers=[("X-Trace", "t1"), ("X-Trace", "t2")])
    event = _event(response)

    assert event["resource"] == "/echo/{id}" and event["path"] == "/echo/abc" and event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "abc"}
    assert event["queryStringParameters"] == {"x": "2", "y": "3"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": ["3"]}
    assert event["headers"]["X-Trace"] == "t2" and event["multiValueHeaders"]["X-Trace"] == ["t1", "t2"]
    assert event["stageVariables"] == {"color": "teal"}
    context = event["requestContext"]
    assert (context["stage"], context["path"], context["apiId"]) == ("test", "/test/echo/abc", stack.outputs["ApiId"])
    assert context["resourcePath"] == "/echo/{id}" and context["identity"]["sourceIp"] == "127.0.0.1"
    assert response.header("x-amzn-RequestId") == context["requestId"]
    assert event["body"] is None and event["isBase64Encoded"] is False


def test_greedy_path_parameter_takes_the_rest_of_the_path(rest):
    _, call = rest()

    event = _event(call("GET", "/files/reports/2026/q1%20final.pdf"))

    assert event["resource"] == "/files/{path+}"
    assert event["pathParameters"] == {"path": "reports/2026/q1 final.pdf"}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_any_method_route_serves_every_method_with_its_body(rest, method):
    _, call = rest()

    event = _event(call(method, "/files/a.txt", body="plain text", headers={"Content-Type": "text/plain"}))

    assert event["httpMethod"] == method and event["body"] == "plain text" and event["isBase64Encoded"] is False


def test_literal_segment_beats_a_path_parameter(rest):
    _, call = rest()

    response = call("GET", "/echo/mine")

    assert response.json() == {"literal": "mine", "color": "teal"}  # the MOCK route, with its stage variable


@pytest.mark.parametrize(("method", "path"), [("GET", "/nowhere"), ("DELETE", "/echo/abc"), ("GET", "/echo"),
                                              ("GET", "/echo/a/b")])
def test_unknown_route_or_method_answers_missing_authentication_token(rest, method, path):
    _, call = rest()

    response = call(method, path)

    assert response.status == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_unknown_stage_is_forbidden_and_unknown_api_not_found(cloud, rest):
    stack, _ = rest()

    wrong_stage = cloud.front_door.handle(HttpRequest.build("GET", api_path(stack.outputs["ApiId"], "nope", "/echo/a")))
    wrong_api = cloud.front_door.handle(HttpRequest.build("GET", api_path("noapi12345", "test", "/echo/a")))
    not_api_url = cloud.front_door.handle(HttpRequest.build("GET", "/echo/a"))

    assert (wrong_stage.status, wrong_stage.json()) == (403, {"message": "Forbidden"})
    assert wrong_api.status == 404 and "noapi12345" in wrong_api.json()["message"]
    assert not_api_url.status == 404 and "/restapis/" in not_api_url.json()["message"]


def test_an_api_deployed_after_first_use_is_served_and_a_destroyed_one_is_gone(cloud, deploy):
    assert cloud.front_door.handle(HttpRequest.build("GET", api_path("missing", "test", "/"))).status == 404
    stack = deploy("frontdoor_rest")
    url = api_path(stack.outputs["ApiId"], "test", "/echo/mine")
    assert cloud.front_door.handle(HttpRequest.build("GET", url)).status == 200

    cloud.destroy(stack.name)

    assert cloud.front_door.handle(HttpRequest.build("GET", url)).status == 404


# -- Lambda proxy responses ---------------------------------------------------------------------
def test_binary_request_and_response_go_through_base64(rest):
    _, call = rest()
    png = b"\x89PNG\r\n\x1a\n\x00\xff"

    event = _event(call("POST", "/files/up.png", body=png, headers={"Content-Type": "image/png"}))
    response = call("GET", "/files/x?mode=binary")

    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == png
    assert response.header("Content-Type") == "image/png" and response.body.startswith(b"\x89PNG\r\n\x1a\n\x00\x01")


def test_status_headers_and_multi_value_headers_are_mapped(rest):
    _, call = rest()

    response = call("GET", "/files/x?mode=multi")

    assert response.status == 207 and response.body == b"multi"
    assert response.header("X-Single") == "one"
    assert [v for k, v in response.headers if k == "X-Multi"] == ["a", "b"]


@pytest.mark.parametrize("mode", ["raise", "not-an-object", "bad-status", "body-not-string"])
def test_lambda_that_raises_or_answers_malformed_is_a_502(rest, mode):
    _, call = rest()

    response = call("GET", f"/echo/abc?mode={mode}")

    assert (response.status, response.json()) == (502, {"message": "Internal server error"})


def _call_in_background(call, *args):
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("response", call(*args)))
    thread.start()
    return thread, box


@pytest.mark.parametrize(("parameters", "timeout_s"), [({}, 29.0), ({"TimeoutMillis": 5000}, 5.0)])
def test_integration_over_its_timeout_is_a_504_on_the_virtual_clock(cloud, rest, parameters, timeout_s):
    _, call = rest(**parameters)
    gate = uuid.uuid4().hex
    thread, box = _call_in_background(call, "GET", f"/echo/abc?mode=wait&gate={gate}")
    assert lambda_gates.event(f"{gate}-in").wait(10)

    cloud.plane.clock.advance(timeout_s - 0.5)
    thread.join(0.2)
    still_waiting = thread.is_alive()
    cloud.plane.clock.advance(1.0)
    thread.join(10)
    lambda_gates.event(f"{gate}-out").set()

    assert still_waiting
    assert (box["response"].status, box["response"].json()) == (504, {"message": "Endpoint request timed out"})


def test_body_over_10_mb_is_refused_with_413(rest):
    _, call = rest()

    response = call("POST", "/files/big", body=b"x" * (10 * 1024 * 1024 + 1))

    assert (response.status, response.json()) == (413, {"message": "Request Too Long"})


# -- service integrations and mapping templates -------------------------------------------------
def test_kinesis_put_record_integration_writes_the_rendered_record(cloud, rest):
    stack, call = rest()

    response = call("POST", "/stream", {"key": "customer-7", "data": {"n": 1}}, {"x-api-key": KEY})

    assert response.status == 200 and response.json()["shard"].startswith("shardId-")
    kinesis = cloud.client("kinesis")
    shard = kinesis.describe_stream(StreamName=stack.outputs["StreamName"])["StreamDescription"]["Shards"][0]
    iterator = kinesis.get_shard_iterator(StreamName=stack.outputs["StreamName"], ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    (record,) = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert (record["PartitionKey"], json.loads(record["Data"])) == ("customer-7", {"n": 1})


def test_service_error_selects_the_integration_response_by_status(rest):
    _, call = rest()

    response = call("POST", "/stream", {"key": "", "data": {"n": 1}}, {"x-api-key": KEY})  # empty key: refused

    assert response.status == 400 and response.json()["refused"]


def test_dynamodb_put_item_integration_stores_what_the_template_renders(cloud, rest):
    stack, call = rest()

    response = call("POST", "/items", {"name": "widget"})

    assert response.status == 201
    item = cloud.client("dynamodb").get_item(TableName=stack.outputs["ItemsTable"],
                                             Key={"id": {"S": response.json()["id"]}})["Item"]
    assert item["name"] == {"S": "widget"}


def test_request_templates_see_query_parameters(rest):
    _, call = rest()

    assert call("GET", "/search?q=lamp").json() == {"q": "lamp"}


def test_wrong_content_type_with_passthrough_never_is_415(rest):
    _, call = rest()

    response = call("POST", "/stream", "k=v", {"x-api-key": KEY, "Content-Type": "application/x-www-form-urlencoded"})

    assert (response.status, response.json()) == (415, {"message": "Unsupported Media Type"})


# -- validators ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "message"), [
    ({}, "Invalid request body: 'name' is a required property"),
    ({"name": "UPPER"}, "Invalid request body: 'UPPER' does not match '^[a-z]+$' (at name)"),
    ("{broken", "Invalid request body: not JSON"),
])
def test_body_failing_the_model_is_a_400_with_the_validator_message(cloud, rest, body, message):
    stack, call = rest()

    response = call("POST", "/items", body, {"Content-Type": "application/json"})

    assert response.status == 400 and response.json()["message"].startswith(message)
    assert cloud.client("dynamodb").scan(TableName=stack.outputs["ItemsTable"])["Count"] == 0  # nothing reached it


def test_missing_required_query_parameter_is_a_400(rest):
    _, call = rest()

    response = call("GET", "/search")

    assert (response.status, response.json()) == (400, {"message": "Missing required request parameters: [q]"})


# -- API keys and usage plans -------------------------------------------------------------------
@pytest.mark.parametrize("headers", [{}, {"x-api-key": "not-a-key"}, {"x-api-key": "disabled-key-0123456789abcdef"}])
def test_route_needing_a_key_refuses_a_missing_wrong_or_disabled_key(rest, headers):
    _, call = rest()

    response = call("POST", "/stream", {"key": "k", "data": 1}, headers)

    assert (response.status, response.json()) == (403, {"message": "Forbidden"})


def test_usage_plan_throttle_refuses_past_the_burst_until_tokens_refill(cloud, rest):
    _, call = rest(RateLimit=1, BurstLimit=2)
    send = lambda: call("POST", "/stream", {"key": "k", "data": 1}, {"x-api-key": KEY}).status  # noqa: E731

    first = [send(), send(), send()]
    cloud.plane.clock.advance(1.0)
    later = send()

    assert first == [200, 200, 429] and later == 200


def test_usage_plan_quota_refuses_until_the_next_period(cloud, rest):
    _, call = rest(QuotaLimit=2)
    send = lambda: call("POST", "/stream", {"key": "k", "data": 1}, {"x-api-key": KEY})  # noqa: E731

    statuses = [send().status, send().status]
    refused = send()
    cloud.plane.clock.advance(86_400)

    assert statuses == [200, 200]
    assert (refused.status, refused.json()) == (429, {"message": "Limit Exceeded"})
    assert send().status == 200


# -- HTTP and Lambda (non-proxy) integrations ---------------------------------------------------
@pytest.fixture
def backend():
    """A real HTTP server: GET /things/{name} answers its name and query; /things/missing is a 404."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            path, _, query = self.path.partition("?")
            name = path.rsplit("/", 1)[-1]
            status = 404 if name == "missing" else 200
            body = json.dumps({"name": name, "query": query}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Backend", "things-service")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_integration_maps_parameters_and_the_response(rest, backend):
    _, call = rest(BackendUrl=backend)

    found = call("GET", "/backend/lamp")
    missing = call("GET", "/backend/missing")

    assert found.status == 200 and found.json() == {"name": "lamp", "query": "source=front-door"}
    assert found.header("X-Backend") == "things-service"
    assert (missing.status, missing.json()) == (404, {"missing": "missing"})


def test_http_integration_to_a_backend_that_is_down_is_a_502(rest):
    _, call = rest()  # BackendUrl: nothing listens there

    assert call("GET", "/backend/lamp").status == 502


def test_lambda_custom_integration_selects_the_response_by_error_message(rest):
    _, call = rest()

    answered = call("POST", "/compute", {"mode": "multi"})
    failed = call("POST", "/compute", {"mode": "raise"})

    assert answered.status == 200 and answered.json() == {"status": 207, "body": "multi"}
    assert (failed.status, failed.json()) == (422, {"error": "the handler failed"})


def test_a_mapping_template_that_fails_is_a_500_and_says_why_in_the_log(cloud, deploy, caplog):
    stack = deploy("frontdoor_rest")
    apigw = cloud.client("apigateway")
    resource = next(r for r in apigw.get_resources(restApiId=stack.outputs["ApiId"])["items"] if r["path"] == "/echo/mine")
    apigw.put_integration(restApiId=stack.outputs["ApiId"], resourceId=resource["id"], httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": "#if($broken"})
    cloud.front_door.refresh()

    with caplog.at_level("WARNING", logger="infra.frontdoor"):
        response = cloud.front_door.handle(HttpRequest.build("GET", api_path(stack.outputs["ApiId"], "test", "/echo/mine")))

    assert (response.status, response.json()) == (500, {"message": "Internal server error"})
    assert "mapping template failed" in caplog.text and "GET /echo/mine" in caplog.text
