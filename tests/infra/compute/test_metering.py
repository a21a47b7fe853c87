"""The meter counts what a run really did: checked against workloads whose every request can be
counted by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.file_conversion.fileconv import samples
from infra.cloud import Cloud
from infra.compute.http import HttpRequest
from infra.metering import METER, measure, unmetered

UPLOADS = 3


def _table(cloud: Cloud, name: str, range_key: bool = False) -> Any:
    ddb = cloud.client("dynamodb")
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}] + ([{"AttributeName": "sk", "KeyType": "RANGE"}] if range_key else [])
    attributes = [{"AttributeName": k["AttributeName"], "AttributeType": "S"} for k in keys]
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=keys, AttributeDefinitions=attributes)
    return ddb


def test_n_uploads_to_file_conversion_meter_3n_invocations_and_the_s3_sns_sqs_requests_they_make(cloud: Cloud) -> None:
    stack = cloud.deploy("file-conversion")
    s3 = cloud.client("s3")
    with measure(cloud) as reading:
        for i in range(UPLOADS):
            s3.put_object(Bucket=stack.outputs["UploadBucketName"], Key=f"in/{i}.png", Body=samples.make_png(64, 48))
            cloud.drain()  # one upload at a time: each conversion queue delivers a batch of one
    usage = reading.usage
    invocations = {name.split("-")[2]: f.invocations for name, f in usage.functions.items()}
    assert invocations == {"ThumbnailFunction": UPLOADS, "PngToJpegFunction": UPLOADS, "ZipFunction": UPLOADS}
    assert usage.metrics["lambda/requests"] == 3 * UPLOADS
    assert usage.metrics["lambda/gb_seconds"] > 0
    # the upload (1 PUT), then each conversion reads the original (1 GET) and writes its output (1 PUT)
    assert usage.requests["s3:PutObject"] == UPLOADS + 3 * UPLOADS
    assert usage.requests["s3:GetObject"] == 3 * UPLOADS
    assert usage.metrics["s3/tier1_requests"] == 4 * UPLOADS
    assert usage.metrics["s3/tier2_requests"] == 3 * UPLOADS
    # S3 publishes each upload's event into the topic once; SNS fans it out to three queues (free)
    assert usage.metrics["sns/requests"] == UPLOADS
    # per upload and conversion queue: one receive that got the message, one batch delete
    assert usage.requests["sqs:DeleteMessageBatch"] == 3 * UPLOADS
    assert usage.metrics["sqs/requests"] == 2 * 3 * UPLOADS
    assert usage.requests["sqs:ReceiveMessage"] == 3 * UPLOADS + usage.metrics.get("sqs/empty_receives", 0)
    assert "sqs:GetQueueAttributes" not in usage.requests  # drain() looking at the queues is not counted


def test_dynamodb_units_follow_item_sizes_consistency_and_transactions(cloud: Cloud) -> None:
    ddb = _table(cloud, "units")
    big = {"pk": {"S": "a"}, "body": {"S": "x" * 1500}}  # 3 + 1,504 bytes: 2 write units, 1 read unit
    with measure(cloud) as reading:
        ddb.put_item(TableName="units", Item=big)
        ddb.get_item(TableName="units", Key={"pk": {"S": "a"}})
        ddb.get_item(TableName="units", Key={"pk": {"S": "a"}}, ConsistentRead=True)
        ddb.update_item(TableName="units", Key={"pk": {"S": "a"}}, UpdateExpression="SET body = :v",
                        ExpressionAttributeValues={":v": {"S": "y" * 3000}})  # after: 3,007 bytes
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "units", "Item": {"pk": {"S": "b"}, "n": {"N": "1"}}}},
            {"Put": {"TableName": "units", "Item": {"pk": {"S": "c"}, "n": {"N": "1"}}}}])
        try:
            ddb.put_item(TableName="units", Item={"pk": {"S": "b"}}, ConditionExpression="attribute_not_exists(pk)")
        except ddb.exceptions.ConditionalCheckFailedException:
            pass
        ddb.delete_item(TableName="units", Key={"pk": {"S": "a"}})  # deletes 3,007 bytes
    metrics = reading.usage.metrics
    assert metrics["dynamodb/read_units"] == 0.5 + 1.0
    # put 2, update 3, transaction 2 x 2, refused conditional put 1, delete 3
    assert metrics["dynamodb/write_units"] == 2 + 3 + 4 + 1 + 3


def test_a_query_rounds_up_the_sum_of_the_items_it_returns(cloud: Cloud) -> None:
    ddb = _table(cloud, "rows", range_key=True)
    for i in range(10):
        ddb.put_item(TableName="rows", Item={"pk": {"S": "p"}, "sk": {"S": f"{i}"}, "v": {"S": "z" * 1000}})
    with measure(cloud) as reading:
        ddb.query(TableName="rows", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
                  ConsistentRead=True)
    assert reading.usage.metrics["dynamodb/read_units"] == 3.0  # 10 x 1,004 bytes = 10,040 -> 3 blocks of 4 KB


def test_requests_made_while_unmetered_are_left_out_and_readings_are_differences(cloud: Cloud) -> None:
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    fifo = sqs.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true",
                                                           "ContentBasedDeduplication": "true"})["QueueUrl"]
    before = METER.snapshot()
    with measure(cloud) as reading:
        sqs.send_message(QueueUrl=url, MessageBody="x" * (70 * 1024))  # two 64 KB chunks
        sqs.send_message(QueueUrl=fifo, MessageBody="m", MessageGroupId="g")
        sqs.receive_message(QueueUrl=fifo)
        sqs.receive_message(QueueUrl=fifo)  # the group is in flight: nothing comes back
        with unmetered():
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    usage = reading.usage
    assert usage.requests == {"sqs:SendMessage": 2, "sqs:ReceiveMessage": 2}
    assert usage.metrics == {"sqs/requests": 2.0, "sqs/fifo_requests": 2.0, "sqs/empty_receives": 1.0}
    assert (METER.snapshot() - before).requests == usage.requests


def test_api_gateway_requests_are_counted_by_the_front_door_that_serves_them(cloud: Cloud) -> None:
    stack = cloud.deploy("durable-counter")
    path = f"/restapis/{stack.outputs['ApiId']}/{stack.outputs['ApiStage']}/_user_request_/counters/c/increment"
    with measure(cloud) as reading:
        for _ in range(4):
            assert cloud.front_door.handle(HttpRequest.build("POST", path)).status == 200
    usage = reading.usage
    assert usage.metrics["apigateway/rest_requests"] == 4
    assert usage.metrics["lambda/requests"] == 4
    assert usage.requests["dynamodb:TransactWriteItems"] == 4


def test_a_standard_state_machine_is_metered_by_the_states_its_execution_entered(
        cloud: Cloud, eventually: Callable[..., bool]) -> None:
    stack = cloud.deploy("api-gateway")
    machine = next(r.physical_id for r in stack.resources if r.type == "AWS::StepFunctions::StateMachine")
    sfn = cloud.client("stepfunctions")
    with measure(cloud) as reading:
        arn = sfn.start_execution(stateMachineArn=machine, input='{"items": 2}')["executionArn"]
        assert eventually(lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING")
    usage = reading.usage
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
    assert usage.metrics["stepfunctions/standard_transitions"] == 2  # Accept (Pass), then Price (Task)
    assert usage.metrics["lambda/requests"] == 1  # the Task ran the pricing function once
    assert usage.requests["sfn:StartExecution"] == 1
    # looking at the execution is a request, but nothing AWS bills
    assert "sfn:DescribeExecution" in usage.requests
    assert set(usage.metrics) == {"stepfunctions/standard_transitions", "lambda/requests", "lambda/gb_seconds"}


def test_websocket_messages_both_ways_and_connection_minutes_are_counted(
        cloud: Cloud, deploy: Callable[..., Any], eventually: Callable[..., bool]) -> None:
    from websockets.sync.client import connect

    stack = deploy("websocket_api")
    url = cloud.websocket_url(stack.outputs["ApiId"], "test")
    def disconnected() -> bool:
        totals = cloud.plane.executor.totals
        return any("DisconnectFunction" in name and t.invocations for name, t in totals.items())

    with measure(cloud) as reading:
        with connect(url) as ws:
            for n in range(3):
                ws.send(f"hello {n}")  # $default echoes it back with post_to_connection
                assert ws.recv(timeout=10)
        assert eventually(disconnected)  # the server thread saw the close and ran $disconnect
    usage = reading.usage
    assert usage.metrics["apigateway/websocket_messages"] == 3 + 3  # three in, three echoed out
    assert usage.requests["apigatewaymanagementapi:PostToConnection"] == 3
    assert usage.metrics["apigateway/websocket_connection_minutes"] == 1  # under a minute, billed as one
    assert usage.metrics["lambda/requests"] == 1 + 3 + 1  # $connect, three $default, $disconnect
