"""batch-to-events on a real LocalStack: the template deploys through its CloudFormation (the
scheduled rule with its retry policy and DLQ, the Kinesis mapping with its tumbling window, the
DynamoDB Streams mapping), an order written to the Orders table reaches the event-driven total
through LocalStack's own stream mapping, and the nightly function totals a day when invoked as
the rule invokes it. The simulated day itself needs the embedded target's virtual clock (the
parametrized tier skips it, naming this test)."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from infra.cloud import Cloud


def test_batch_to_events_deploys_to_localstack_and_totals_orders_two_ways(endpoint, eventually):
    with Cloud.remote("localstack", endpoint, run_functions=True) as cloud:
        stack = cloud.deploy("batch-to-events", stack_name=f"batch-to-events-{uuid.uuid4().hex[:6]}")
        try:
            events, lam, ddb = cloud.client("events"), cloud.client("lambda"), cloud.client("dynamodb")
            arn = lam.get_function(FunctionName=stack.outputs["NightlyBatchFunctionName"])["Configuration"]["FunctionArn"]
            [rule_name] = events.list_rule_names_by_target(TargetArn=arn)["RuleNames"]
            rule = events.describe_rule(Name=rule_name)
            [target] = events.list_targets_by_rule(Rule=rule_name)["Targets"]
            assert rule["ScheduleExpression"] == "cron(5 0 * * ? *)" and rule["State"] == "ENABLED"
            assert target["RetryPolicy"]["MaximumRetryAttempts"] == 10 and target["DeadLetterConfig"]["Arn"]
            windows = lam.list_event_source_mappings(FunctionName=stack.outputs["WindowTotalsFunctionName"])
            assert windows["EventSourceMappings"][0].get("TumblingWindowInSeconds") == 300

            now = time.time()
            day = time.strftime("%Y-%m-%d", time.gmtime(now))
            ddb.put_item(TableName=stack.outputs["OrdersTableName"], Item={
                "day": {"S": day}, "order_id": {"S": "ls-1"}, "store": {"S": "rome"},
                "amount_cents": {"N": "250"}, "at": {"N": str(now)}})
            key = {"way": {"S": "events"}, "key": {"S": f"{day}#rome"}}
            table = stack.outputs["TotalsTableName"]
            if cloud.plane is None:
                pytest.skip("this LocalStack runs Lambda code itself (Docker): the rest is checked embedded")
            assert eventually(lambda: "Item" in ddb.get_item(TableName=table, Key=key), seconds=60), \
                "the event-driven total never appeared"
            assert ddb.get_item(TableName=table, Key=key)["Item"]["total_cents"] == {"N": "250"}

            answer = lam.invoke(FunctionName=stack.outputs["NightlyBatchFunctionName"], Payload=json.dumps({"day": day}))
            assert "FunctionError" not in answer, answer["Payload"].read()
            batch = ddb.get_item(TableName=table, Key={"way": {"S": "batch"}, "key": {"S": f"{day}#rome"}})["Item"]
            assert batch["total_cents"] == {"N": "250"} and batch["orders"] == {"N": "1"}
        finally:
            cloud.destroy(stack.name)
