"""DynamoDB conditional writes are atomic under threads (moto alone is not: the compute plane's
moto hook serializes DynamoDB requests), whether the threads are the test's or Lambda handlers'.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

THREADS = 8
INCREMENTS = 15


def _run_threads(work: Callable[[int], Any], count: int = THREADS) -> list[Any]:
    """Runs ``work(i)`` on ``count`` threads released together; returns results (or exceptions)."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        start.wait(timeout=10)
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _increment_until_written(ddb: Any, table: str, key: dict[str, Any],
                             write: Callable[[int, int], None]) -> int:
    """Read, then ``write(version, count)`` conditioned on the version read; returns conflicts."""
    conflicts = 0
    while True:
        item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        version = int(item["version"]["N"]) if item else 0
        count = int(item["count"]["N"]) if item else 0
        try:
            write(version, count)
            return conflicts
        except ddb.exceptions.ConditionalCheckFailedException:
            conflicts += 1


def _increment_with_put(ddb: Any, table: str, key: dict[str, Any]) -> int:
    return _increment_until_written(ddb, table, key, lambda version, count: ddb.put_item(
        TableName=table,
        Item={**key, "version": {"N": str(version + 1)}, "count": {"N": str(count + 1)}},
        ConditionExpression="attribute_not_exists(pk) OR version = :seen",
        ExpressionAttributeValues={":seen": {"N": str(version)}}))


def _increment_with_update(ddb: Any, table: str, key: dict[str, Any]) -> int:
    return _increment_until_written(ddb, table, key, lambda version, count: ddb.update_item(
        TableName=table, Key=key,
        UpdateExpression="SET #c = :count, version = :next",
        ConditionExpression="attribute_not_exists(pk) OR version = :seen",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":count": {"N": str(count + 1)},
                                   ":next": {"N": str(version + 1)},
                                   ":seen": {"N": str(version)}}))


def _counter(ddb: Any, table: str, key: dict[str, Any]) -> tuple[int, int]:
    item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    return int(item["count"]["N"]), int(item["version"]["N"])


@pytest.mark.parametrize("increment", [_increment_with_put, _increment_with_update], ids=["put_item", "update_item"])
def test_version_checked_increments_from_eight_threads_lose_no_updates(cloud, deploy, increment):
    stack = deploy("dynamodb_counter")
    ddb = cloud.client("dynamodb")
    table, key = stack.outputs["TableName"], {"pk": {"S": f"counter-{uuid.uuid4().hex}"}}

    results = _run_threads(lambda i: sum(increment(ddb, table, key) for _ in range(INCREMENTS)))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert _counter(ddb, table, key) == (THREADS * INCREMENTS, THREADS * INCREMENTS)


def test_conditional_create_lets_exactly_one_of_eight_threads_win(cloud, deploy):
    stack = deploy("dynamodb_counter")
    ddb = cloud.client("dynamodb")
    table, key = stack.outputs["TableName"], {"pk": {"S": f"claim-{uuid.uuid4().hex}"}}

    def claim(i: int) -> str:
        try:
            ddb.put_item(TableName=table, Item={**key, "owner": {"N": str(i)}},
                         ConditionExpression="attribute_not_exists(pk)")
            return "won"
        except ClientError as exc:
            return exc.response["Error"]["Code"]

    results = _run_threads(claim)

    assert sorted(results) == ["ConditionalCheckFailedException"] * (THREADS - 1) + ["won"]
    owner = ddb.get_item(TableName=table, Key=key)["Item"]["owner"]["N"]
    assert results[int(owner)] == "won"


def test_concurrent_lambda_handlers_doing_version_checked_increments_lose_no_updates(cloud, deploy):
    stack = deploy("dynamodb_counter")
    ddb = cloud.client("dynamodb")
    name = f"lambda-{uuid.uuid4().hex}"

    results = _run_threads(lambda i: cloud.plane.invoke(stack.outputs["Counter"], {"key": name,
                                                                                    "increments": INCREMENTS}))

    assert [r["function_error"] for r in results] == [None] * THREADS, [r["payload"] for r in results]
    # they ran as eight concurrent invocations, each in an execution environment of its own
    assert sum(r["cold_start"] for r in results) == THREADS
    assert _counter(ddb, stack.outputs["TableName"], {"pk": {"S": name}}) == (THREADS * INCREMENTS,
                                                                              THREADS * INCREMENTS)


def test_cancelled_transaction_leaves_every_item_as_it_was(cloud, deploy):
    stack = deploy("dynamodb_counter")
    ddb = cloud.client("dynamodb")
    table = stack.outputs["TableName"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "kept"}, "count": {"N": "1"}})

    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "new"}, "count": {"N": "5"}}}},
            {"Update": {"TableName": table, "Key": {"pk": {"S": "kept"}}, "UpdateExpression": "SET #c = :two",
                        "ExpressionAttributeNames": {"#c": "count"}, "ExpressionAttributeValues": {":two": {"N": "2"}}}},
            {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "absent"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])

    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "new"}})
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "kept"}})["Item"]["count"] == {"N": "1"}


def _stream_records(cloud: Any, stream_arn: str) -> list[dict[str, Any]]:
    import boto3
    from botocore.config import Config

    streams = boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return streams.get_records(ShardIterator=iterator)["Records"]


def test_cancelled_transaction_adds_no_stream_record_and_a_committed_one_adds_all(cloud):
    ddb = cloud.client("dynamodb")
    table = f"streamed-{uuid.uuid4().hex[:6]}"
    stream_arn = ddb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]["LatestStreamArn"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "taken"}})

    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "written-then-undone"}}}},
            {"Put": {"TableName": table, "Item": {"pk": {"S": "taken"}}, "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": {"S": "first"}}}},
        {"Put": {"TableName": table, "Item": {"pk": {"S": "second"}}}},
    ])

    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in _stream_records(cloud, stream_arn)]
    assert keys == ["taken", "first", "second"]
