"""Enqueue, retries on the virtual clock, recovery, deduplication, operations and bad input."""

from __future__ import annotations

import json
import re

import pytest
from conftest import deliver, queued

from jobs import (InvalidJobError, JobNotFoundError, JobStateError, PayloadTooLargeError, Retry, UnknownJobTypeError,
                  ensure_armed, recover, scheduled_handler, stats, sweep)


def test_failed_attempts_are_retried_after_the_exponential_backoff_then_failed(make_queue, calls, cloud):
    queue = make_queue()
    job_id = queue.enqueue("record", {"failTimes": 9}, max_attempts=3, retry=Retry("exponential", 10))
    deliver(queue)
    job = queue.get(job_id)
    assert (job["status"], job["attempt"], job["runAt"] - job["updatedAt"]) == ("RETRY_PENDING", 1, 10)
    cloud.clock.advance(9)
    assert deliver(queue) == 0  # not before its delay
    cloud.clock.advance(1.5)
    deliver(queue)
    assert queue.get(job_id)["attempt"] == 2
    cloud.clock.advance(19)
    assert deliver(queue) == 0  # the second wait is 20 s
    cloud.clock.advance(1.5)
    deliver(queue)
    job = queue.get(job_id)
    assert (job["status"], job["attempt"]) == ("FAILED", 3)
    assert job["error"] == "RuntimeError: attempt 3 fails" and len(job["attempts"]) == 3
    cloud.clock.advance(3600)
    assert deliver(queue) == 0 and queued(queue) == 0  # never retried forever


def test_a_delay_beyond_sqs_limit_goes_through_a_one_time_schedule(make_queue, calls, cloud):
    queue = make_queue()
    job_id = queue.enqueue("record", {}, delay=3600)
    assert queued(queue) == 0
    schedules = cloud.client("scheduler").list_schedules()["Schedules"]
    schedule = cloud.client("scheduler").get_schedule(Name=schedules[0]["Name"])
    assert re.fullmatch(r"at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)", schedule["ScheduleExpression"])
    assert schedule["ActionAfterCompletion"] == "DELETE"
    cloud.client("scheduler").delete_schedule(Name=schedule["Name"])  # its target is no function of this test
    scheduled_handler(queue)(json.loads(schedule["Target"]["Input"]))  # what Scheduler does when it is due
    cloud.clock.advance(3600)
    deliver(queue)
    assert queue.get(job_id)["status"] == "COMPLETED"


def test_a_delivery_that_arrives_early_waits_for_the_rest_of_the_delay(make_queue, calls, cloud):
    queue = make_queue()
    job_id = queue.enqueue("record", {}, delay=60)
    sqs = queue.delivery.sqs()
    sqs.send_message(QueueUrl=queue.delivery.queue_url, MessageBody=f'{{"jobId": "{job_id}", "attempt": 1}}')
    deliver(queue)
    assert queue.get(job_id)["status"] == "PENDING" and not calls.count
    cloud.clock.advance(61)
    deliver(queue)
    assert queue.get(job_id)["status"] == "COMPLETED" and calls.count[(job_id, 1)] == 1


def test_recover_retries_a_job_whose_consumer_crashed_and_refuses_its_late_result(make_queue, calls, cloud):
    queue = make_queue()
    job_id = queue.enqueue("record", {"crash": 1}, timeout=30)
    with pytest.raises(SystemExit):
        deliver(queue)
    assert queue.get(job_id)["status"] == "RUNNING"
    cloud.clock.advance(20)
    assert recover(queue) == {"lost_attempts": 0, "resent": 0}  # still within its timeout
    cloud.clock.advance(15)
    assert recover(queue)["lost_attempts"] == 1
    job = queue.get(job_id)
    assert job["status"] == "RETRY_PENDING" and job["attempts"][0]["error"].startswith("lost")
    from jobs.consumer import perform
    assert perform(queue, dict(job, attempt=1, payload={}), cloud.clock.now()) == "late"  # the crashed one wakes up
    cloud.clock.advance(60)  # past the visibility timeout too: the first message comes back, refused
    deliver(queue)
    job = queue.get(job_id)
    assert (job["status"], job["attempt"]) == ("COMPLETED", 2)
    assert calls.count == {(job_id, 1): 2, (job_id, 2): 1}  # the crashed attempt + the late wake-up above


def test_recover_sends_a_lost_message_again(make_queue, calls, cloud):
    queue = make_queue()
    job_id = queue.enqueue("record", {})
    queue.delivery.sqs().purge_queue(QueueUrl=queue.delivery.queue_url)
    cloud.clock.advance(30)
    assert recover(queue)["resent"] == 0  # within the grace: the message may still come
    cloud.clock.advance(40)
    assert recover(queue)["resent"] == 1 and recover(queue)["resent"] == 0  # once per grace period
    deliver(queue)
    assert queue.get(job_id)["status"] == "COMPLETED"


def test_a_dedup_key_returns_the_first_jobs_id_until_the_job_is_deleted(make_queue, calls):
    queue = make_queue()
    first = queue.enqueue("record", {"n": 1}, dedup_key="invoice-42")
    assert queue.enqueue("record", {"n": 2}, dedup_key="invoice-42") == first
    assert queued(queue) == 1
    deliver(queue)
    queue.delete(first)
    with pytest.raises(JobNotFoundError):
        queue.get(first)
    assert queue.enqueue("record", {"n": 3}, dedup_key="invoice-42") != first


@pytest.mark.parametrize("enqueue, error", [
    (lambda q: q.enqueue("resize", {}), UnknownJobTypeError),
    (lambda q: q.enqueue("record", "x" * 300_000), PayloadTooLargeError),
    (lambda q: q.enqueue("record", {"not json": {1, 2}}), InvalidJobError),
    (lambda q: q.enqueue("record", {}, max_attempts=0), InvalidJobError),
    (lambda q: q.enqueue("record", {}, timeout=-1), InvalidJobError),
    (lambda q: q.enqueue("record", {}, dedup_key=""), InvalidJobError),
], ids=["unknown type", "oversized", "not JSON", "no attempts", "negative timeout", "empty dedup key"])
def test_bad_input_is_refused_with_the_reason_and_nothing_is_enqueued(make_queue, cloud, enqueue, error):
    queue = make_queue()
    with pytest.raises(error) as refused:
        enqueue(queue)
    assert str(refused.value)
    assert cloud.client("dynamodb").scan(TableName=queue.table.name)["Count"] == 0 and queued(queue) == 0


def test_cancel_retry_and_delete_follow_the_status_rules(make_queue, calls, cloud):
    queue = make_queue()
    waiting = queue.enqueue("record", {}, delay=300)
    assert queue.cancel(waiting)["status"] == "CANCELLED"
    with pytest.raises(JobStateError, match="it is CANCELLED"):
        queue.cancel(waiting)
    cloud.clock.advance(301)
    deliver(queue)  # its delayed message finds it cancelled
    assert not calls.count
    assert queue.retry_now(waiting)["status"] == "PENDING"
    deliver(queue)
    assert queue.get(waiting)["status"] == "COMPLETED"
    with pytest.raises(JobStateError):
        queue.retry_now(waiting)
    failed = queue.enqueue("record", {"failTimes": 1}, max_attempts=1)
    deliver(queue)
    assert queue.get(failed)["status"] == "FAILED"
    queue.retry_now(failed)  # one more attempt than it had
    deliver(queue)
    assert (queue.get(failed)["status"], queue.get(failed)["attempt"]) == ("COMPLETED", 2)
    with pytest.raises(JobNotFoundError):
        queue.cancel("0" * 32)


def test_perform_now_runs_the_first_attempt_here(make_queue, calls):
    queue = make_queue()
    job = queue.perform_now("record", {"x": 1})
    assert (job["status"], job["result"]) == ("COMPLETED", {"attempt": 1}) and queued(queue) == 0


def test_sweep_removes_finished_jobs_past_the_retention_and_frees_their_keys(make_queue, calls, cloud):
    queue = make_queue(retention=3600.0)
    old = queue.enqueue("record", {}, dedup_key="k")
    deliver(queue)
    cloud.clock.advance(1800)
    young = queue.enqueue("record", {})
    deliver(queue)
    cloud.clock.advance(1801)
    assert sweep(queue) == 1
    assert queue.get(young)["status"] == "COMPLETED"
    assert queue.enqueue("record", {}, dedup_key="k") != old


def test_stats_count_statuses_and_give_failure_rate_and_run_time_percentiles(make_queue, calls):
    queue = make_queue()
    for n in range(4):
        queue.enqueue("record", {"failTimes": 5 if n == 0 else 0}, max_attempts=1)
    queue.enqueue("record", {}, delay=600)
    deliver(queue)
    summary = stats(queue, "record")
    assert summary["counts"] == {"PENDING": 1, "RUNNING": 0, "RETRY_PENDING": 0, "COMPLETED": 3, "FAILED": 1,
                                 "CANCELLED": 0}
    assert summary["failureRate"] == 0.25 and summary["total"] == 5
    assert 0 <= summary["p50Seconds"] <= summary["p99Seconds"]


def test_listing_pages_through_jobs_by_status_and_type(make_queue, calls):
    queue = make_queue()
    ids = {queue.enqueue("record", {"n": n}) for n in range(7)}
    seen, token = [], None
    while True:
        page, token = queue.list(status="PENDING", limit=3, token=token)
        seen += [j["jobId"] for j in page]
        if token is None:
            break
    assert set(seen) == ids and len(seen) == 7
    assert {j["jobId"] for j in queue.table.all(job_type="record")} == ids
    with pytest.raises(InvalidJobError):
        queue.list(status="PENDING", token="not-a-token")


def test_the_maintenance_chain_arms_one_schedule_per_interval_and_each_run_arms_the_next(make_queue, cloud):
    queue = make_queue()
    scheduler = cloud.client("scheduler")
    try:
        assert ensure_armed(queue, 60) and not ensure_armed(queue, 60)  # a second API environment finds it armed
        armed = scheduler.list_schedules()["Schedules"]
        assert len(armed) == 1
        schedule = scheduler.get_schedule(Name=armed[0]["Name"])
        scheduler.delete_schedule(Name=schedule["Name"])  # as Scheduler does after firing it
        cloud.clock.advance(61)
        answer = scheduled_handler(queue)(json.loads(schedule["Target"]["Input"]))
        assert answer == {"recovered": {"lost_attempts": 0, "resent": 0}, "swept": 0}
        assert len(scheduler.list_schedules()["Schedules"]) == 1  # the next run
    finally:
        for leftover in scheduler.list_schedules()["Schedules"]:
            scheduler.delete_schedule(Name=leftover["Name"])


def test_enqueue_many_writes_and_sends_in_batches_and_refuses_the_lot_on_one_bad_payload(make_queue, calls, cloud):
    queue = make_queue()
    with pytest.raises(PayloadTooLargeError):
        queue.enqueue_many("record", [{"n": 1}, "x" * 300_000])
    assert cloud.client("dynamodb").scan(TableName=queue.table.name)["Count"] == 0 and queued(queue) == 0
    ids = queue.enqueue_many("record", [{"n": n} for n in range(57)])
    assert len(set(ids)) == 57 and queued(queue) == 57
    deliver(queue)
    assert sorted(calls.count) == sorted((job_id, 1) for job_id in ids)
    assert {queue.get(job_id)["status"] for job_id in ids} == {"COMPLETED"}
