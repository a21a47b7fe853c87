"""One REST API in front of an orders microservice, a legacy monolith, an SQS intake and a Step Functions workflow.

The demo starts the legacy backend where the template's LegacyBackendUrl points, then drives the
API over real HTTP with the demo API key: orders created, read, paged and deleted; a customer
served by the monolith through the HTTP proxy; jobs queued straight into SQS and drained by the
consumer; a workflow execution started by API Gateway; and the refusals (no key, a bad order,
an unknown route, a CORS preflight).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from infra.metering import unmetered
from infra.workload import Invariant, Observed, Operation, queue_messages, under_faults
from patterns.api_client import api_url, call
from patterns.api_gateway.legacy import LegacyBackend

OPERATION = Operation("API request")
ORIGIN = "https://shop.example.com"
ORDERS = [{"item": "espresso beans", "quantity": 2}, {"item": "grinder", "quantity": 1, "note": "gift wrap"},
          {"item": "filter papers", "quantity": 10}]
JOBS = [{"kind": "invoice", "order": 1}, {"kind": "invoice", "order": 2}, {"kind": "restock", "sku": "beans"}]


def api_key(cloud: Any, stack: Any) -> str:
    return cloud.client("apigateway").get_api_key(apiKey=stack.outputs["ApiKeyId"], includeValue=True)["value"]


@contextlib.contextmanager
def legacy_backend(stack: Any) -> Iterator[LegacyBackend | None]:
    """The monolith, started where the stack's LegacyBackendUrl points (unless something answers there)."""
    target = urlsplit(stack.outputs["LegacyBackendUrl"])
    try:
        backend = LegacyBackend(target.port or 80, target.hostname or "127.0.0.1").start()
    except Exception:
        if call("GET", f"{stack.outputs['LegacyBackendUrl']}/legacy/customers", timeout=3).status == 200:
            yield None  # already running (``serve`` started it)
            return
        raise
    try:
        yield backend
    finally:
        backend.stop()


@contextlib.contextmanager
def serve_extras(cloud: Any, stack: Any, say: Callable[[str], None]) -> Iterator[None]:
    """For ``samplecli.py serve api-gateway``: the legacy backend runs, the demo key is printed."""
    with legacy_backend(stack):
        key = api_key(cloud, stack)
        url = api_url(cloud, stack)
        say(f"legacy backend (the monolith) on {stack.outputs['LegacyBackendUrl']}")
        say(f"demo API key: {key}")
        say(f"  curl {url}/health")
        say(f"  curl -H 'x-api-key: {key}' -H 'Content-Type: application/json' "
            f"-d '{{\"item\": \"book\", \"quantity\": 1}}' {url}/orders")
        say(f"  curl -H 'x-api-key: {key}' {url}/legacy/customers/42")
        yield


def _wait_for_execution(cloud: Any, arn: str, seconds: float = 30.0) -> dict[str, Any]:
    sfn = cloud.client("stepfunctions")
    deadline = time.monotonic() + seconds
    while True:
        execution = sfn.describe_execution(executionArn=arn)
        if execution["status"] != "RUNNING" or time.monotonic() > deadline:
            return execution
        threading.Event().wait(0.05)


def run(cloud: Any, stack: Any, progress: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """Drive every route over HTTP and return what each answered."""
    started = time.perf_counter()
    with legacy_backend(stack):
        url, key = api_url(cloud, stack), api_key(cloud, stack)
        auth = {"x-api-key": key}
        answers: dict[str, Any] = {}
        latencies_ms: list[float] = []

        def step(name: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
            sent = time.perf_counter()
            answer = call(method, f"{url}{path}", body, headers if headers is not None else auth)
            latencies_ms.append((time.perf_counter() - sent) * 1000)
            answers[name] = answer.status
            progress(f"{method:<7} {path:<32} -> {answer.status}")
            return answer

        step("health", "GET", "/health", headers={})
        created = [step(f"create {i}", "POST", "/orders", order).body for i, order in enumerate(ORDERS)]
        ids = [order["id"] for order in created]
        fetched = step("get", "GET", f"/orders/{ids[0]}").body
        listed, token, pages = [], None, 0
        while True:
            page = step(f"page {pages}", "GET", "/orders?limit=2" + (f"&next={token}" if token else "")).body
            listed += [order["id"] for order in page["orders"]]
            token, pages = page["next"], pages + 1
            if not token or pages > 10:
                break
        step("delete", "DELETE", f"/orders/{ids[2]}")
        step("get deleted", "GET", f"/orders/{ids[2]}")
        step("no key", "GET", f"/orders/{ids[0]}", headers={})
        step("wrong key", "GET", f"/orders/{ids[0]}", headers={"x-api-key": "not-a-key"})
        step("invalid order", "POST", "/orders", {"item": "", "quantity": 0})
        step("malformed json", "POST", "/orders", "{not json")
        step("unknown route", "GET", "/no/such/route")
        customer = step("legacy customer", "GET", "/legacy/customers/42").body
        step("legacy unknown customer", "GET", "/legacy/customers/999")
        preflight = call("OPTIONS", f"{url}/orders", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
        answers["preflight"] = preflight.status
        jobs = [step(f"job {i}", "POST", "/jobs", job).body["messageId"] for i, job in enumerate(JOBS)]
        workflow = step("workflow", "POST", "/workflows", {"speed": "express", "items": 3}).body
        progress("draining the jobs queue...")
        cloud.drain()
        with unmetered():  # checking the results is not the API's work
            execution = _wait_for_execution(cloud, workflow["executionArn"])
            recorded = cloud.client("dynamodb").scan(TableName=stack.outputs["JobsTableName"])["Items"]
            faulty = under_faults(cloud)  # a job that kept failing for a transient reason waits in the DLQ
            dead = {m["MessageId"] for m in queue_messages(cloud.client("sqs"), stack.outputs["JobsDeadLetterQueueUrl"])
                    } if faulty else set()
    return {
        "answers": answers,
        "orders_created": len(ids), "order_fetched": fetched.get("item"), "orders_listed": sorted(listed) == sorted(ids),
        "pages": pages, "customer": customer, "jobs_sent": len(jobs),
        "jobs_recorded": sorted(item["id"]["S"] for item in recorded) == sorted(jobs) if not faulty
        else {item["id"]["S"] for item in recorded} | dead == set(jobs) and len(recorded) <= len(jobs),
        "under_faults": faulty,
        "cors_allow_origin": preflight.headers.get("Access-Control-Allow-Origin"),
        "workflow_status": execution["status"], "workflow_output": execution.get("output"),
        "seconds": time.perf_counter() - started, "operations": len(answers), "latencies_ms": latencies_ms,
        "observed": Observed(isolated_failures=sum(1 for name, status in answers.items()
                                                   if status >= 400 and EXPECTED_ANSWERS.get(name) == status)),
    }


def outcome(result: dict[str, Any]) -> dict[str, Any]:
    """What must come out the same on every target (no ids, no timings; the workflow's output as
    data, not as its JSON spelling)."""
    same = {key: value for key, value in result.items()
            if key not in ("seconds", "workflow_output", "latencies_ms", "operations", "observed")}
    same["workflow_output"] = json.loads(result["workflow_output"]) if result["workflow_output"] else None
    return same


def summary_lines(result: dict[str, Any]) -> list[str]:
    answers = result["answers"]
    return [
        f"{result['orders_created']} orders created, listed in {result['pages']} pages, one deleted; "
        f"{result['jobs_sent']} jobs queued straight into SQS, all recorded by the consumer: "
        f"{result['jobs_recorded']}; workflow {result['workflow_status']} in {result['seconds']:.2f} s",
        f"  monolith via HTTP proxy: {result['customer']}",
        f"  workflow output: {result['workflow_output']}",
        f"  refusals: no key {answers['no key']}, wrong key {answers['wrong key']}, invalid order "
        f"{answers['invalid order']}, malformed JSON {answers['malformed json']}, unknown route "
        f"{answers['unknown route']}; CORS preflight {answers['preflight']} "
        f"(Allow-Origin {result['cors_allow_origin']})",
    ]


EXPECTED_ANSWERS = {"health": 200, "get": 200, "delete": 204, "get deleted": 404, "no key": 403, "wrong key": 403,
                    "invalid order": 400, "malformed json": 400, "unknown route": 403, "legacy customer": 200,
                    "legacy unknown customer": 404, "preflight": 200, "workflow": 200}


def invariants(result: dict[str, Any]) -> list[Invariant]:
    """Every route answers as designed; every queued job reaches the table; the workflow succeeds."""
    answers = result["answers"]
    wrong = {name: (answers.get(name), status) for name, status in EXPECTED_ANSWERS.items() if answers.get(name) != status}
    return [Invariant("every route answers with its designed status", not wrong,
                      f"{len(answers)} requests" + (f"; (got, expected): {wrong}" if wrong else "")),
            Invariant("every order created is listed, across pages", bool(result["orders_listed"]),
                      f"{result['orders_created']} orders, {result['pages']} pages"),
            Invariant("every job sent straight to SQS is recorded once by the consumer"
                      + (" (or waits in its DLQ)" if result.get("under_faults") else ""), bool(result["jobs_recorded"]),
                      f"{result['jobs_sent']} jobs"),
            Invariant("the Step Functions workflow succeeds", result["workflow_status"] == "SUCCEEDED",
                      str(result["workflow_status"]))]
