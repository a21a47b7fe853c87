"""Commands out of the records either transport delivers — the only place that knows them.

Kinesis: the account is the record's partition key, the body its (base64) data, accepted at its
approximate arrival. SQS FIFO: the account is the message group, the body the message body,
accepted when it was sent. Either way the body is the transaction API Gateway accepted.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, NamedTuple

from .domain import Command, command
from .errors import PoisonCommand


class Received(NamedTuple):
    item_id: str  # what a batch item failure names: the sequence number (Kinesis), message id (SQS)
    command: Command
    accepted_at: int  # epoch milliseconds


def account_of(record: dict[str, Any]) -> str:
    """The account a record is for: its partition key (Kinesis) or message group (SQS FIFO)."""
    if "kinesis" in record:
        return str(record["kinesis"].get("partitionKey", ""))
    return str(record.get("attributes", {}).get("MessageGroupId", ""))


def item_id(record: dict[str, Any]) -> str:
    if "kinesis" in record:
        return str(record["kinesis"]["sequenceNumber"])
    return str(record["messageId"])


def received(record: dict[str, Any]) -> Received:
    """The command a record carries; PoisonCommand when it carries none."""
    if "kinesis" in record:
        data = record["kinesis"]
        account, raw = data.get("partitionKey", ""), data.get("data", "")
        accepted = int(float(data.get("approximateArrivalTimestamp", 0)) * 1000)
        try:
            text = base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise PoisonCommand(f"record {data.get('sequenceNumber')}: data is not base64 UTF-8 text") from exc
    elif record.get("eventSource") == "aws:sqs":
        attributes = record.get("attributes", {})
        account, text = attributes.get("MessageGroupId", ""), record.get("body", "")
        accepted = int(attributes.get("SentTimestamp", 0))
    else:
        raise PoisonCommand(f"not a Kinesis or SQS record: {sorted(record)}")
    return Received(item_id(record), parse(account, text), accepted)


def parse(account: str, text: str) -> Command:
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise PoisonCommand(f"account {account}: the transaction is not JSON: {text[:80]!r}") from exc
    return command(account, body)
