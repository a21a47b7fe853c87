"""An asynchronous job system on SQS and DynamoDB: typed jobs, retries, dedup, recovery, stats.

The demo enqueues a mixed workload through the REST API: echo jobs, duplicates (the same
``dedupKey`` twice), flaky jobs that fail and then succeed, one that fails every attempt, a slow
one, a thumbnail of an uploaded PNG, a delayed job that is cancelled, bad input (unknown type,
oversized payload, malformed body), and a job whose consumer crashes mid-attempt, which the
recover step finds and retries. It reports every job's final state and attempts, checks from the
worker's logs that no attempt ran twice, and shows the stats.
"""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections import Counter
from typing import Any, Callable, Iterator

from infra.workload import Invariant, Operation
from patterns.api_client import api_url, call

OPERATION = Operation("job")

MAINTENANCE_EVERY = 10.0
ECHOES = 12
DUPLICATED = 4
TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")
EXPECTED = {  # label -> (final status, attempts)
    "echo": ("COMPLETED", 1), "duplicate": ("COMPLETED", 1), "flaky once": ("COMPLETED", 2),
    "always failing": ("FAILED", 3), "slow": ("COMPLETED", 1), "thumbnail": ("COMPLETED", 1),
    "cancelled": ("CANCELLED", 0), "consumer crash": ("COMPLETED", 2)}


@contextlib.contextmanager
def serve_extras(cloud: Any, stack: Any, say: Callable[[str], None]) -> Iterator[None]:
    """For ``samplecli.py serve job-queue``: the dashboard's URL and the API's routes; while serving,
    recover and sweep run every 10 s (the scheduled function invoked, as the maintenance schedule
    would), so a crashed consumer's job is retried."""
    base = api_url(cloud, stack)
    say(f"dashboard: {base}/")
    say(f"enqueue:   curl -X POST -d '{{\"type\": \"flaky\", \"payload\": {{\"failTimes\": 1}}}}' {base}/jobs")
    say(f"jobs:      {base}/jobs?status=COMPLETED   stats: {base}/stats")
    stop = threading.Event()

    def maintain() -> None:
        while not stop.wait(MAINTENANCE_EVERY):
            try:
                _invoke_maintenance(cloud, stack)
            except Exception as exc:  # noqa: BLE001 - serving goes on; say why
                say(f"maintenance run failed: {exc}")

    thread = threading.Thread(target=maintain, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)


def wait_until(cloud: Any, done: Callable[[], bool], seconds: float = 120.0) -> bool:
    """On a virtual clock, deliver everything in flight (advancing it); on the wall clock (LocalStack,
    AWS), look every half second."""
    if getattr(cloud.clock, "virtual", False) and cloud.plane is not None:
        for _ in range(20):
            cloud.plane.settle()
            if done():
                return True
            cloud.clock.advance(5.0)
        return done()
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.5)
    return True


def _get(url: str, tries: int = 4) -> Any:
    """GET, asked again after a 5xx (a gateway hiccup; reading is safe to repeat)."""
    answer = call("GET", url)
    for _ in range(tries - 1):
        if answer.status < 500:
            break
        threading.Event().wait(0.5)
        answer = call("GET", url)
    return answer


def _job(base: str, job_id: str) -> dict[str, Any]:
    """The job as the API shows it; an answer that is not a job (a gateway error) says so in
    ``status``, so waiting goes on and a final one fails the invariants by name."""
    answer = _get(f"{base}/jobs/{job_id}")
    if answer.status == 200 and isinstance(answer.body, dict):
        return answer.body
    return {"jobId": job_id, "status": f"HTTP {answer.status}: {str(answer.body)[:120]}", "attempt": -1, "attempts": []}


def _enqueue(base: str, body: Any) -> Any:
    return call("POST", f"{base}/jobs", body)


def _accepted(base: str, body: Any) -> str:
    """The new job's id; an enqueue the API did not accept stops the run, saying what it answered."""
    answer = _enqueue(base, body)
    if answer.status != 202 or not isinstance(answer.body, dict) or "jobId" not in answer.body:
        raise RuntimeError(f"POST /jobs {str(body)[:80]} answered {answer.status}: {str(answer.body)[:300]}")
    return answer.body["jobId"]


def run(cloud: Any, stack: Any, progress: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    base = api_url(cloud, stack)
    started = time.perf_counter()
    labels: dict[str, str] = {}

    progress("a job whose consumer crashes during its first attempt...")
    crash = _accepted(base, {"type": "flaky", "payload": {"crashOnAttempt": 1}, "timeoutSeconds": 2})
    labels[crash] = "consumer crash"
    crashed = wait_until(cloud, lambda: _performed(cloud, stack)[(crash, 1)] > 0)
    if not getattr(cloud.clock, "virtual", False):
        threading.Event().wait(3.0)  # past the job's 2 s timeout
    recovered = _invoke_maintenance(cloud, stack)
    progress(f"  attempt 1 started: {crashed}; recover: {recovered}")

    s3 = cloud.client("s3")
    s3.put_object(Bucket=stack.outputs["BucketName"], Key="in/cat.png", Body=_png())
    accepted = [_accepted(base, {"type": "echo", "payload": {"n": n}}) for n in range(ECHOES)]
    labels.update({job_id: "echo" for job_id in accepted})
    pairs = [[_accepted(base, {"type": "echo", "payload": {"order": n}, "dedupKey": f"order-{n}"})
              for _ in range(2)] for n in range(DUPLICATED)]
    labels.update({first: "duplicate" for first, _ in pairs})
    for label, body in (("flaky once", {"type": "flaky", "payload": {"failTimes": 1}}),
                        ("always failing", {"type": "flaky", "payload": {"failTimes": 99}, "maxAttempts": 3}),
                        ("slow", {"type": "slow", "payload": {"seconds": 0.2}}),
                        ("thumbnail", {"type": "thumbnail", "payload": {"key": "in/cat.png"}}),
                        ("cancelled", {"type": "echo", "payload": "later", "delaySeconds": 600})):
        labels[_accepted(base, body)] = label
    cancelled = next(j for j, label in labels.items() if label == "cancelled")
    cancel_answer = call("POST", f"{base}/jobs/{cancelled}/cancel").status
    bad = {"unknown type": _enqueue(base, {"type": "no-such-job", "payload": {}}).status,
           "oversized payload": _enqueue(base, {"type": "echo", "payload": "x" * 300_000}).status,
           "malformed body": call("POST", f"{base}/jobs", "{not json", headers={"Content-Type": "application/json"}).status}
    progress(f"enqueued {len(labels)} jobs (+{DUPLICATED} duplicates); bad input answered {bad}")

    all_done = wait_until(cloud, lambda: all(_job(base, j)["status"] in TERMINAL for j in labels))
    jobs = {job_id: _job(base, job_id) for job_id in labels}
    performed = _performed(cloud, stack)
    answer = _get(f"{base}/stats")
    stats = answer.body["types"] if answer.status == 200 else []
    return {"labels": labels, "jobs": jobs, "pairs": pairs, "bad": bad, "cancel_answer": cancel_answer,
            "performed": {f"{j} {a}": n for (j, a), n in performed.items()}, "stats": stats, "all_done": all_done,
            "crashed": crashed, "thumbnail_written": _exists(s3, stack.outputs["BucketName"], "thumbnails/in/cat.png"),
            "seconds": time.perf_counter() - started, "operations": len(jobs)}


def _invoke_maintenance(cloud: Any, stack: Any) -> Any:
    import json

    answer = cloud.client("lambda").invoke(FunctionName=stack.outputs["ScheduledFunctionName"],
                                           Payload=json.dumps({"job_queue_maintain": {}}))
    return json.loads(answer["Payload"].read() or b"null")


def _performed(cloud: Any, stack: Any) -> Counter:
    """(job id, attempt) -> how many times the worker's performers started it, from its log lines."""
    logs = cloud.client("logs")
    worker = next(r.physical_id for r in stack.resources if r.logical_id == "WorkerFunction")
    counts: Counter = Counter()
    kwargs: dict[str, Any] = {"logGroupName": f"/aws/lambda/{worker}", "filterPattern": "PERFORM"}
    try:
        while True:
            page = logs.filter_log_events(**kwargs)
            for event in page["events"]:
                for line in event["message"].splitlines():
                    if line.startswith("PERFORM "):
                        _, job_id, attempt = line.split()
                        counts[(job_id, int(attempt))] += 1
            if not page.get("nextToken"):
                return counts
            kwargs["nextToken"] = page["nextToken"]
    except logs.exceptions.ResourceNotFoundException:
        return counts


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except s3.exceptions.ClientError:
        return False


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def outcome(result: dict[str, Any]) -> dict[str, Any]:
    """The invariants, the same on every target; each is True when it holds."""
    jobs, labels = result["jobs"], result["labels"]
    wrong = {f"{labels[j]} {j[:8]}": (job["status"], job["attempt"]) for j, job in jobs.items()
             if (job["status"], job["attempt"]) != EXPECTED[labels[j]]}
    ran = {key: n for key, n in result["performed"].items() if key.split()[0] in jobs}
    recorded = {f"{j} {a['n']}" for j, job in jobs.items() for a in job["attempts"]}
    crash = next(job for j, job in jobs.items() if labels[j] == "consumer crash")
    enqueued = sum(s["total"] for s in result["stats"])
    return {
        "every job in a terminal state": result["all_done"],
        "statuses and attempts as expected": not wrong or wrong,
        "duplicates got the first job's id": all(a == b for a, b in result["pairs"]),
        "no attempt ran twice": all(n == 1 for n in ran.values()),
        "every recorded attempt ran, and only those": set(ran) == recorded,
        "a crashed consumer's job recovered": result["crashed"] and crash["attempts"][0].get("error", "").startswith("lost"),
        "bad input refused": result["bad"] == {"unknown type": 400, "oversized payload": 413, "malformed body": 400},
        "nothing enqueued by bad input": enqueued == len(jobs),
        "the cancelled job was cancelled": result["cancel_answer"] == 200,
        "the thumbnail was written": result["thumbnail_written"],
    }


def summary_lines(result: dict[str, Any]) -> list[str]:
    lines = [f"{len(result['jobs'])} jobs (+{len(result['pairs'])} duplicates) in {result['seconds']:.2f} s:"]
    by_label: dict[str, Counter] = {}
    for job_id, job in result["jobs"].items():
        by_label.setdefault(result["labels"][job_id], Counter())[f"{job['status']} after {job['attempt']}"] += 1
    lines += [f"  {label:<16} {dict(counts)}" for label, counts in sorted(by_label.items())]
    lines.append("stats (type: completed/failed/cancelled, failure rate, p50/p99 run time):")
    for s in result["stats"]:
        p50, p99 = (f"{v * 1000:.1f} ms" if v is not None else "-" for v in (s["p50Seconds"], s["p99Seconds"]))
        c = s["counts"]
        lines.append(f"  {s['type']:<10} {c['COMPLETED']}/{c['FAILED']}/{c['CANCELLED']}, "
                     f"{s['failureRate']:.0%}, {p50} / {p99}")
    return lines


def invariants(result: dict[str, Any]) -> list[Invariant]:
    """What the job system promises, each checked from the job table and the worker's log."""
    return [Invariant(name, value is True, "" if value is True else str(value))
            for name, value in outcome(result).items()]
