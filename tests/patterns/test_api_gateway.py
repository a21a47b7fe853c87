"""The api-gateway pattern end to end over real HTTP: the front door on a socket, the legacy
backend a real server, every route and its refusals; the workload; and ``samplecli serve``."""

from __future__ import annotations

import io
import json
import re
import threading
import uuid

import pytest

import samplecli
from infra.cloud import Cloud
from infra.ports import free_port
from patterns.api_gateway import workload
from patterns.api_client import api_url, call


@pytest.fixture
def stack(cloud):
    return cloud.deploy("api-gateway", stack_name=f"agw-{uuid.uuid4().hex[:6]}",
                        parameters={"LegacyBackendUrl": f"http://127.0.0.1:{free_port()}"})


@pytest.fixture
def api(cloud, stack):
    """(base URL on the served port, headers with the demo key); the monolith runs meanwhile."""
    with workload.legacy_backend(stack):
        yield api_url(cloud, stack), {"x-api-key": workload.api_key(cloud, stack)}


def test_workload_drives_every_route_with_the_expected_outcome(cloud, stack):
    result = workload.run(cloud, stack)

    answers = result["answers"]
    assert answers["health"] == 200 and answers["create 0"] == 201 and answers["get"] == 200
    assert (answers["delete"], answers["get deleted"]) == (204, 404)
    assert (answers["no key"], answers["wrong key"], answers["unknown route"]) == (403, 403, 403)
    assert (answers["invalid order"], answers["malformed json"]) == (400, 400)
    assert (answers["legacy customer"], answers["legacy unknown customer"]) == (200, 404)
    assert answers["job 0"] == 202 and answers["workflow"] == 200 and answers["preflight"] == 200
    assert result["orders_listed"] and result["pages"] == 2 and result["jobs_recorded"]
    assert result["customer"]["source"] == "monolith"
    assert result["workflow_status"] == "SUCCEEDED"
    assert json.loads(result["workflow_output"]) == {"accepted": True, "speed": "express", "items": 3, "price": 45}
    assert result["cors_allow_origin"] == workload.ORIGIN


def test_orders_are_created_read_paged_and_deleted(api):
    url, auth = api

    created = [call("POST", f"{url}/orders", {"item": f"thing {i}", "quantity": i + 1}, auth) for i in range(3)]
    ids = [answer.body["id"] for answer in created]
    pages, token = [], None
    while True:
        page = call("GET", f"{url}/orders?limit=1" + (f"&next={token}" if token else ""), headers=auth).body
        pages.append(page["orders"])
        token = page["next"]
        if not token:
            break
    deleted = call("DELETE", f"{url}/orders/{ids[1]}", headers=auth)

    assert [a.status for a in created] == [201, 201, 201]
    assert created[0].headers["Location"] == f"/orders/{ids[0]}"
    assert created[2].body["quantity"] == 3 and created[2].body["status"] == "created"
    assert sorted(o["id"] for page in pages for o in page) == sorted(ids) and all(len(p) <= 1 for p in pages)
    assert call("GET", f"{url}/orders/{ids[0]}", headers=auth).body["item"] == "thing 0"
    assert deleted.status == 204
    gone = call("GET", f"{url}/orders/{ids[1]}", headers=auth)
    assert gone.status == 404 and ids[1] in gone.body["message"]
    assert call("DELETE", f"{url}/orders/{ids[1]}", headers=auth).status == 404
    assert call("GET", f"{url}/orders?limit=0", headers=auth).status == 400
    assert call("GET", f"{url}/orders?next=%%%", headers=auth).status == 400


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/orders", {"item": "x", "quantity": 1}), ("GET", "/orders", None), ("GET", "/orders/any", None),
    ("DELETE", "/orders/any", None), ("POST", "/jobs", {"kind": "x"}), ("POST", "/workflows", {}),
    ("GET", "/legacy/customers/42", None),
], ids=lambda v: v if isinstance(v, str) else "")
def test_every_route_but_health_needs_the_api_key(api, method, path, body):
    url, _ = api

    missing = call(method, f"{url}{path}", body)
    wrong = call(method, f"{url}{path}", body, {"x-api-key": "guessed-key"})

    assert (missing.status, missing.body) == (403, {"message": "Forbidden"})
    assert (wrong.status, wrong.body) == (403, {"message": "Forbidden"})


def test_health_is_public(api):
    url, _ = api

    assert call("GET", f"{url}/health").body == {"status": "ok", "stage": "prod"}


@pytest.mark.parametrize(("body", "fragment"), [
    ({"item": "beans"}, "'quantity' is a required property"),
    ({"item": "beans", "quantity": "two"}, "'two' is not of type 'integer'"),
    ({"item": "beans", "quantity": 1, "coupon": "FREE"}, "Additional properties are not allowed"),
    ({"item": "beans", "quantity": 5000}, "5000 is greater than the maximum of 1000"),
    ("{not json", "not JSON"),
])
def test_new_orders_are_validated_against_the_schema_before_the_lambda(cloud, stack, api, body, fragment):
    url, auth = api

    answer = call("POST", f"{url}/orders", body, auth)

    assert answer.status == 400 and fragment in answer.body["message"]
    assert cloud.client("dynamodb").scan(TableName=stack.outputs["OrdersTableName"])["Count"] == 0


def test_unknown_route_answers_missing_authentication_token(api):
    url, auth = api

    answer = call("GET", f"{url}/customers/42", headers=auth)

    assert (answer.status, answer.body) == (403, {"message": "Missing Authentication Token"})


def test_job_is_stored_in_the_queue_when_202_comes_back_then_consumed(cloud, stack, api):
    url, auth = api

    answer = call("POST", f"{url}/jobs", {"kind": "invoice", "order": 9}, auth)
    queued = cloud.client("sqs").receive_message(QueueUrl=stack.outputs["JobsQueueUrl"], VisibilityTimeout=0)
    cloud.drain()
    recorded = cloud.client("dynamodb").get_item(TableName=stack.outputs["JobsTableName"],
                                                 Key={"id": {"S": answer.body["messageId"]}})["Item"]

    assert answer.status == 202 and answer.headers["Access-Control-Allow-Origin"] == workload.ORIGIN
    (message,) = queued["Messages"]
    assert message["MessageId"] == answer.body["messageId"]
    assert json.loads(message["Body"]) == {"kind": "invoice", "order": 9}
    assert json.loads(recorded["job"]["S"]) == {"kind": "invoice", "order": 9}


def test_job_route_does_not_answer_2xx_when_the_queue_refuses(cloud, stack, api):
    url, auth = api
    cloud.client("sqs").delete_queue(QueueUrl=stack.outputs["JobsQueueUrl"])

    answer = call("POST", f"{url}/jobs", {"kind": "invoice"}, auth)

    assert (answer.status, answer.body) == (400, {"message": "the queue refused the job"})


def test_job_that_is_not_an_object_ends_in_the_dead_letter_queue(cloud, stack, api):
    url, auth = api

    answer = call("POST", f"{url}/jobs", ["not", "an", "object"], auth)
    cloud.drain()

    dlq = cloud.client("sqs").receive_message(QueueUrl=stack.outputs["JobsDeadLetterQueueUrl"])
    assert answer.status == 202
    assert [m["MessageId"] for m in dlq["Messages"]] == [answer.body["messageId"]]


def test_workflow_route_starts_an_execution_and_returns_its_arn(cloud, stack, api):
    url, auth = api

    answer = call("POST", f"{url}/workflows", {"speed": "standard", "items": 4}, auth)
    execution = workload._wait_for_execution(cloud, answer.body["executionArn"])

    assert answer.status == 200 and answer.body["executionArn"].startswith(stack.outputs["WorkflowArn"].replace(
        ":stateMachine:", ":execution:"))
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["input"]) == {"speed": "standard", "items": 4}
    assert json.loads(execution["output"])["price"] == 20


def test_legacy_routes_are_proxied_to_the_monolith(api):
    url, auth = api

    found = call("GET", f"{url}/legacy/customers/7", headers=auth)
    missing = call("GET", f"{url}/legacy/customers/999", headers=auth)

    assert found.status == 200 and found.body["name"] == "Grace Hopper"
    assert found.headers["X-Served-By"] == "monolith"
    assert missing.status == 404 and missing.body["source"] == "monolith"


def test_legacy_route_is_a_502_when_the_monolith_is_down(cloud, stack):
    url, key = api_url(cloud, stack), workload.api_key(cloud, stack)  # no backend started

    answer = call("GET", f"{url}/legacy/customers/7", headers={"x-api-key": key})

    assert (answer.status, answer.body) == (502, {"message": "Internal server error"})


def test_cors_preflight_is_public_and_names_the_allowed_origin(api):
    url, _ = api

    answer = call("OPTIONS", f"{url}/orders", headers={"Origin": workload.ORIGIN,
                                                       "Access-Control-Request-Method": "POST"})

    assert answer.status == 200
    assert answer.headers["Access-Control-Allow-Origin"] == workload.ORIGIN
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert "X-Api-Key" in answer.headers["Access-Control-Allow-Headers"]


def test_lambda_responses_carry_the_cors_origin(api):
    url, auth = api

    answer = call("GET", f"{url}/orders", headers={**auth, "Origin": workload.ORIGIN})

    assert answer.headers["Access-Control-Allow-Origin"] == workload.ORIGIN


def test_front_door_answers_in_process_without_a_socket(cloud, stack):
    from infra.compute.http import HttpRequest, api_path

    base = api_path(stack.outputs["ApiId"], "prod")
    key = workload.api_key(cloud, stack)

    created = cloud.front_door.handle(HttpRequest.build("POST", base + "orders", {"x-api-key": key},
                                                        {"item": "tea", "quantity": 1}))
    fetched = cloud.front_door.handle(HttpRequest.build("GET", f"{base}orders/{created.json()['id']}",
                                                        {"x-api-key": key}))

    assert created.status == 201 and fetched.json()["item"] == "tea"


def test_serve_command_serves_the_pattern_until_stopped():
    out, stop = io.StringIO(), threading.Event()
    legacy = f"http://127.0.0.1:{free_port()}"
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(samplecli.main(
        ["serve", "api-gateway", "--port", "0", "--parameter", f"LegacyBackendUrl={legacy}"], out=out, stop=stop)))
    thread.start()
    try:
        for _ in range(300):
            if "Ctrl-C stops" in out.getvalue():
                break
            threading.Event().wait(0.05)
        text = out.getvalue()
        url = re.search(r"(http://127\.0\.0\.1:\d+/restapis/\w+/prod/_user_request_)", text).group(1)
        key = re.search(r"demo API key: (\S+)", text).group(1)
        health = call("GET", f"{url}/health")
        customer = call("GET", f"{url}/legacy/customers/42", headers={"x-api-key": key})
    finally:
        stop.set()
        thread.join(30)

    assert codes == [0] and "stopped" in out.getvalue()
    assert health.status == 200 and customer.body["name"] == "Ada Lovelace"
    assert len(re.findall(r"REST API api-gateway-api: ", text)) == 1  # only the declared stage, not SAM's 'Stage'


def test_serve_refuses_a_pattern_without_an_api():
    assert samplecli.main(["serve", "file-conversion", "--port", "0"], out=io.StringIO()) == 1


def test_pattern_runs_on_the_up_endpoint_with_the_same_outcome(cloud, stack):
    from infra import server

    embedded = workload.outcome(workload.run(cloud, stack))
    endpoint = server.start(free_port())
    try:
        with Cloud.remote("local", endpoint.url) as local:
            deployed = local.deploy("api-gateway", stack_name=f"agw-up-{uuid.uuid4().hex[:6]}",
                                    parameters={"LegacyBackendUrl": f"http://127.0.0.1:{free_port()}"})
            url = local.api_url(deployed.outputs["ApiId"], "prod")
            on_up = workload.outcome(workload.run(local, deployed))
            local.destroy(deployed.name)
    finally:
        endpoint.stop()

    assert url.startswith(f"{endpoint.url}/restapis/")  # served on the endpoint itself, LocalStack's form
    assert on_up == embedded


def test_run_command_drives_the_api_over_http_and_cleans_up():
    out = io.StringIO()

    code = samplecli.main(["run", "api-gateway", "--parameter", f"LegacyBackendUrl=http://127.0.0.1:{free_port()}"],
                          out=out)

    text = out.getvalue()
    assert code == 0, text
    assert "3 orders created, listed in 2 pages, one deleted" in text and "workflow SUCCEEDED" in text
    assert "monolith via HTTP proxy: {'id': '42'" in text
    assert "cleaned up the embedded target" in text


def test_bad_parameter_is_a_one_line_error(capsys):
    assert samplecli.main(["run", "api-gateway", "--parameter", "no-equals-sign"], out=io.StringIO()) == 1
    assert "expected KEY=VALUE" in capsys.readouterr().err


def test_migrating_a_route_off_the_monolith_is_a_template_change_only(cloud, tmp_path):
    """The strangler fig step the README shows: a more specific path to a new function wins over
    the greedy /legacy/{proxy+}; the rest of /legacy still reaches the monolith."""
    import yaml

    from infra import registry
    from infra.template import load

    pattern = registry.get("api-gateway")
    template = load(pattern.template)
    code = str((pattern.folder / "../../functions/api_gateway").resolve())
    template["Globals"]["Function"]["CodeUri"] = code
    template["Resources"]["CustomersFunction"] = {"Type": "AWS::Serverless::Function",
                                                  "Properties": {"Handler": "customers.handler"}}
    template["Resources"]["Api"]["Properties"]["DefinitionBody"]["paths"]["/legacy/customers/{id}"] = {"get": {
        "security": [{"api_key": []}],
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST",
            "uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                               "${CustomersFunction.Arn}/invocations"}}}}
    migrated = tmp_path / "template.yaml"
    migrated.write_text(yaml.safe_dump(template))
    stack = cloud.deploy("api-gateway", template=migrated, stack_name=f"agw-fig-{uuid.uuid4().hex[:6]}",
                         parameters={"LegacyBackendUrl": f"http://127.0.0.1:{free_port()}"})

    with workload.legacy_backend(stack):
        url, auth = api_url(cloud, stack), {"x-api-key": workload.api_key(cloud, stack)}
        customer = call("GET", f"{url}/legacy/customers/42", headers=auth)
        still_legacy = call("GET", f"{url}/legacy/customers", headers=auth)

    assert customer.status == 200 and customer.body["name"] == "Ada Lovelace"
    assert customer.body["source"] == "customers-service" and "X-Served-By" not in customer.headers
    assert still_legacy.status == 200 and still_legacy.body["source"] == "monolith"
