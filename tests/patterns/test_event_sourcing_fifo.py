"""event-sourcing-fifo end to end on the virtual clock: 16 concurrent producers through API
Gateway's SendMessage integration (a group per account, the transactionId as deduplication id)
with resent transactions, a poison message moved to the DLQ after maxReceiveCount, replay from the
event store; and ``samplecli.py run``."""

from __future__ import annotations

import io

import pytest

import samplecli
from patterns.event_sourcing.replay import replay
from patterns.event_sourcing.transports import POISON
from patterns.event_sourcing_fifo import workload

PATTERN = "event-sourcing-fifo"


def test_sixteen_concurrent_producers_with_resent_transactions_keep_every_invariant(ledger_run):
    _, _, result = ledger_run

    assert [i.name for i in workload.invariants(result) if not i.held] == []
    assert (result["accepted"], result["distinct"], result["recorded"], result["deduplicated"]) == (64, 48, 48, 16)
    assert result["replays"] == {"event store": True}


def test_poison_message_reaches_the_dlq_after_max_receive_count_and_its_group_goes_on(ledger_run):
    cloud, stack, result = ledger_run
    sqs = cloud.client("sqs")

    [message] = sqs.receive_message(QueueUrl=stack.outputs["CommandDeadLetterQueueUrl"], VisibilityTimeout=0,
                                    AttributeNames=["All"])["Messages"]
    assert message["Body"] == POISON.decode()
    assert int(message["Attributes"]["ApproximateReceiveCount"]) >= 3  # the template's MaxReceiveCount
    poisoned_account = message["Attributes"]["MessageGroupId"]
    assert result["invariants"]["every accepted transaction recorded"]  # its group's later messages too
    assert poisoned_account in {a for a in workload.ledger.ACCOUNTS}


def test_a_fifo_queue_cannot_be_replayed_from_the_transport(ledger_run):
    cloud, stack, _ = ledger_run

    with pytest.raises(ValueError, match="cannot be re-read"):
        replay(cloud.client, stack.outputs, "stream")


def test_samplecli_run_reports_the_counts_and_replay_and_exits_zero():
    out = io.StringIO()

    code = samplecli.main(["run", "event-sourcing-fifo"], out=out)

    text = out.getvalue()
    assert code == 0, text
    assert "deduplicated 16, isolated 1" in text and "read model equal to replay: yes" in text
    assert "invariants: all 11 hold" in text


def test_replay_command_without_an_endpoint_says_so_and_exits_one(capsys):
    from patterns.event_sourcing.replay import main

    code = main(["event-sourcing-fifo", "--target", "local", "--endpoint-url", "http://127.0.0.1:1"])

    assert code == 1 and "no AWS endpoint answers at http://127.0.0.1:1" in capsys.readouterr().err
