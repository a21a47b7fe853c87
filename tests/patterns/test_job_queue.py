"""The job-queue pattern end to end on the embedded target: the mixed workload's invariants, the
REST API's answers, the CLI, and the dashboard in a real headless Chromium."""

from __future__ import annotations

import io
import re
import threading

import pytest
from browser import CHROMIUM, Browser

import samplecli
from infra.cloud import Cloud
from infra.compute.clock import VirtualClock
from patterns.api_client import api_url, call
from patterns.job_queue import workload


@pytest.fixture(scope="module")
def jobs():
    cloud = Cloud.embedded(clock=VirtualClock())
    stack = cloud.deploy("job-queue", {"RetryBaseSeconds": "5", "MaintenanceIntervalSeconds": "0"},
                         stack_name="job-queue-tests")  # not the CLI's stack name: the CLI tests deploy that
    yield cloud, stack, api_url(cloud, stack)
    cloud.close()


def settle(cloud) -> None:
    cloud.plane.settle()


def test_mixed_workload_holds_every_invariant(jobs):
    cloud, stack, _ = jobs
    result = workload.run(cloud, stack)
    assert [i for i in workload.invariants(result) if not i.held] == [], workload.summary_lines(result)
    assert all(value is True for value in workload.outcome(result).values())


def test_enqueue_answers_202_with_the_id_and_the_job_completes(jobs):
    cloud, _, base = jobs
    answer = call("POST", f"{base}/jobs", {"type": "echo", "payload": {"hello": "world"}})
    assert answer.status == 202 and set(answer.body) == {"jobId"}
    settle(cloud)
    job = call("GET", f"{base}/jobs/{answer.body['jobId']}").body
    assert (job["status"], job["result"], len(job["attempts"])) == ("COMPLETED", {"hello": "world"}, 1)


@pytest.mark.parametrize("body, status, says", [
    ({"type": "resize", "payload": {}}, 400, "unknown job type 'resize'"),
    ({"type": "echo", "payload": "x" * 300_000}, 413, "the limit is 262144"),
    ("{not json", 400, "not JSON"),
    ([1, 2], 400, '"type"'),
    ({"type": "echo", "payload": {}, "maxAttempts": "three"}, 400, "maxAttempts is a number"),
    ({"type": "echo", "colour": "red"}, 400, "unknown fields ['colour']"),
], ids=["unknown type", "oversized payload", "malformed body", "not an object", "bad option", "unknown field"])
def test_bad_input_gets_a_clear_error_and_nothing_is_enqueued(jobs, body, status, says):
    cloud, stack, base = jobs
    before = cloud.client("dynamodb").scan(TableName=stack.outputs["TableName"], Select="COUNT")["Count"]
    answer = call("POST", f"{base}/jobs", body)
    assert answer.status == status and says in answer.body["error"]
    assert cloud.client("dynamodb").scan(TableName=stack.outputs["TableName"], Select="COUNT")["Count"] == before
    queue = cloud.client("sqs").get_queue_attributes(QueueUrl=stack.outputs["QueueUrl"], AttributeNames=["All"])
    assert queue["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_listing_by_status_and_type_is_paginated(jobs):
    cloud, _, base = jobs
    ids = {call("POST", f"{base}/jobs", {"type": "slow", "payload": {"seconds": 0}, "delaySeconds": 900}).body["jobId"]
           for _ in range(5)}
    seen, token = set(), None
    while True:
        page = call("GET", f"{base}/jobs?status=PENDING&type=slow&limit=2" + (f"&next={token}" if token else "")).body
        seen |= {j["jobId"] for j in page["jobs"]}
        token = page["next"]
        if token is None:
            break
    assert ids <= seen
    assert call("GET", f"{base}/jobs?status=DONE").status == 400
    for job_id in ids:
        assert call("POST", f"{base}/jobs/{job_id}/cancel").body["status"] == "CANCELLED"


def test_cancel_retry_delete_answer_with_the_status_rules(jobs):
    cloud, _, base = jobs
    job_id = call("POST", f"{base}/jobs", {"type": "flaky", "payload": {"failTimes": 1}, "maxAttempts": 1}).body["jobId"]
    settle(cloud)
    assert call("GET", f"{base}/jobs/{job_id}").body["status"] == "FAILED"
    assert call("POST", f"{base}/jobs/{job_id}/cancel").status == 409
    assert call("POST", f"{base}/jobs/{job_id}/retry").body["status"] == "PENDING"
    settle(cloud)
    assert call("GET", f"{base}/jobs/{job_id}").body["status"] == "COMPLETED"
    assert call("DELETE", f"{base}/jobs/{job_id}").status == 204
    assert call("GET", f"{base}/jobs/{job_id}").status == 404
    assert call("POST", f"{base}/jobs/{'0' * 32}/retry").status == 404


def test_run_command_exits_non_zero_when_an_invariant_fails(capsys):
    out = io.StringIO()
    code = samplecli.main(["run", "job-queue", "--parameter", "MaxAttempts=1"], out)  # no retries: flaky jobs fail
    assert code == 1, out.getvalue()
    assert "BROKEN  statuses and attempts as expected" in out.getvalue()
    assert "invariant(s) broken: statuses and attempts as expected" in capsys.readouterr().err


def test_serve_prints_the_dashboard_and_api_urls_and_jobs_run(eventually):
    out, stop = io.StringIO(), threading.Event()
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(samplecli.main(
        ["serve", "job-queue", "--port", "0", "--parameter", "RetryBaseSeconds=1"], out=out, stop=stop)))
    thread.start()
    try:
        assert eventually(lambda: "Ctrl-C stops" in out.getvalue(), 60), out.getvalue()
        dashboard = re.search(r"dashboard: (http://127\.0\.0\.1:\d+/restapis/\w+/Prod/_user_request_)/", out.getvalue())
        base = dashboard.group(1)
        assert "<h1>Job queue</h1>" in call("GET", f"{base}/").body
        job_id = call("POST", f"{base}/jobs", {"type": "echo", "payload": 1}).body["jobId"]
        assert eventually(lambda: call("GET", f"{base}/jobs/{job_id}").body["status"] == "COMPLETED", 30)
    finally:
        stop.set()
        thread.join(30)
    assert codes == [0]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/install-browser)")
def test_the_dashboard_shows_jobs_and_stats_and_its_retry_button_works(jobs, tmp_path, eventually):
    cloud, _, base = jobs
    done = call("POST", f"{base}/jobs", {"type": "echo", "payload": "shown"}).body["jobId"]
    failed = call("POST", f"{base}/jobs", {"type": "flaky", "payload": {"failTimes": 1}, "maxAttempts": 1}).body["jobId"]
    settle(cloud)
    with Browser(f"{base}/", tmp_path / "profile") as page:
        assert eventually(lambda: page.dataset().get("loaded") == "yes", 30), page.dataset()
        assert int(page.dataset()["completed"]) >= 1 and int(page.dataset()["failed"]) >= 1
        page.evaluate(f"showJob('{failed}')")
        assert eventually(lambda: page.dataset().get("shown") == failed, 10)
        assert "flaky: attempt 1 of the first 1 fails" in page.evaluate("document.querySelector('#job').textContent")
        page.evaluate("document.querySelector('#tabs [data-status=FAILED]').click()")
        assert eventually(lambda: page.evaluate(f"!!document.querySelector('[data-action=retry][data-job=\"{failed}\"]')"), 10)
        page.evaluate(f"document.querySelector('[data-action=retry][data-job=\"{failed}\"]').click()")
        assert eventually(lambda: page.dataset().get("acted") == f"retry:{failed}", 10), page.dataset()
        settle(cloud)
        assert call("GET", f"{base}/jobs/{failed}").body["status"] == "COMPLETED"
        page.evaluate("document.querySelector('#tabs [data-status=COMPLETED]').click()")
        assert eventually(lambda: page.evaluate(f"!!document.querySelector('tr[data-job=\"{done}\"]')"), 10)
        assert not page.dataset().get("error")
