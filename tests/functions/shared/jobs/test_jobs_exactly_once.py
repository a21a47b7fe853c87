"""Every status change is a compare-and-swap: duplicate deliveries and racing consumers never run
an attempt twice (every perform call is recorded and counted)."""

from __future__ import annotations

import threading

from conftest import deliver, receive


def test_each_message_delivered_three_times_at_once_runs_each_job_once(make_queue, calls):
    queue = make_queue()
    ids = [queue.enqueue("record", {"n": n}) for n in range(20)]
    records = []
    while batch := receive(queue):
        records += batch
    copies = [[r] for r in records] * 3  # SQS is at-least-once: every message arrives three times
    barrier = threading.Barrier(8)

    def consumer(batches):
        barrier.wait()
        for batch in batches:
            queue.consumer_handler({"Records": batch})

    threads = [threading.Thread(target=consumer, args=(copies[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(calls.count) == sorted((job_id, 1) for job_id in ids)
    assert set(calls.count.values()) == {1}
    assert {queue.get(job_id)["status"] for job_id in ids} == {"COMPLETED"}


def test_racing_consumers_through_retries_run_every_attempt_exactly_once(make_queue, calls, cloud):
    queue = make_queue(retry_kind="fixed", retry_base=5.0)
    ids = [queue.enqueue("record", {"failTimes": 2}, max_attempts=3) for _ in range(10)]
    for _ in range(4):  # two consumers take the same messages (a visibility timeout ran out on one)
        records = []
        while batch := receive(queue, visibility=0):
            records += batch
            if len(records) > 100:
                break
        threads = [threading.Thread(target=queue.consumer_handler, args=({"Records": records},)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for record in records:
            queue.delivery.sqs().delete_message(QueueUrl=queue.delivery.queue_url, ReceiptHandle=record["receiptHandle"])
        cloud.clock.advance(6)
    deliver(queue)
    assert set(calls.count.values()) == {1}
    assert sorted(calls.count) == sorted((job_id, n) for job_id in ids for n in (1, 2, 3))
    for job_id in ids:
        job = queue.get(job_id)
        assert (job["status"], job["attempt"]) == ("COMPLETED", 3)
        assert [bool(a.get("error")) for a in job["attempts"]] == [True, True, False]


def test_exclusive_jobs_never_run_at_once_and_the_waiting_one_runs_after(make_queue, calls, cloud, eventually):
    queue = make_queue()
    first = queue.enqueue("record", {"hold": True}, exclusive_key="account-7")
    second = queue.enqueue("record", {}, exclusive_key="account-7")
    calls.release.clear()
    records = receive(queue)
    mine = [r for r in records if first in r["body"]]
    holder = threading.Thread(target=queue.consumer_handler, args=({"Records": mine},))
    holder.start()
    assert eventually(lambda: queue.get(first)["status"] == "RUNNING")
    queue.consumer_handler({"Records": [r for r in records if r not in mine]})  # the second finds the key busy
    assert queue.get(second)["status"] == "PENDING" and (second, 1) not in calls.count
    calls.release.set()
    holder.join()
    for record in records:
        queue.delivery.sqs().delete_message(QueueUrl=queue.delivery.queue_url, ReceiptHandle=record["receiptHandle"])
    cloud.clock.advance(6)
    deliver(queue)
    assert [queue.get(j)["status"] for j in (first, second)] == ["COMPLETED", "COMPLETED"]
    assert calls.most_at_once["account-7"] == 1 and set(calls.count.values()) == {1}

