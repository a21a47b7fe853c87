"""What local IAM enforcement costs per call, printed as a Markdown table.

    python benchmarks/iam.py            # 20,000 evaluations per case, 2,000 boto3 calls each way
    python benchmarks/iam.py --quick    # a tenth of that

Rows:
- "check": turning one request into its action(s) and resource ARN(s) and evaluating them
  against the role's policies (kept per role and IAM generation) and the resource's policy, as
  the hook does for every call a handler makes (a role with SAM's policy templates translated);
- "end to end": a handler-style boto3 DynamoDB PutItem signed with a role session, enforcement
  on minus enforcement off (medians of alternating calls), which also counts the request
  parsing the hook does.
Target: well under 0.1 ms per call.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_US = 100.0
ACCOUNT, REGION = "123456789012", "us-east-1"


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1e6)
    return samples


def p90(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.9)]


def role_with_templates(cloud: Any) -> str:
    """A role with what SAM's DynamoDBCrudPolicy, S3CrudPolicy and SQSSendMessagePolicy become,
    plus AWSLambdaBasicExecutionRole."""
    iam = cloud.client("iam")
    arn = iam.create_role(RoleName="bench-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    iam.attach_role_policy(RoleName="bench-role",
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/bench"
    statements = [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan",
                                       "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem",
                                       "dynamodb:BatchGetItem", "dynamodb:DescribeTable",
                                       "dynamodb:ConditionCheckItem"], "Resource": [table, f"{table}/index/*"]},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion",
                                       "s3:PutObject", "s3:PutObjectAcl", "s3:GetLifecycleConfiguration",
                                       "s3:PutLifecycleConfiguration", "s3:DeleteObject"],
         "Resource": ["arn:aws:s3:::bench-bucket", "arn:aws:s3:::bench-bucket/*"]},
        {"Effect": "Allow", "Action": "sqs:SendMessage*", "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:bench-queue"},
    ]
    for i, statement in enumerate(statements):
        iam.put_role_policy(RoleName="bench-role", PolicyName=f"p{i}",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    return arn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    n_checks, n_calls = (2_000, 200) if args.quick else (20_000, 2_000)

    import boto3
    from botocore.config import Config

    from infra.cloud import Cloud
    from infra.compute import iam
    from infra.compute.iam.hook import first_denial
    from infra.compute.iam.requests import Call
    from infra.compute.iam.sessions import principal_for, role_session_environment

    rows: list[tuple[str, list[float]]] = []
    with Cloud.embedded() as cloud:
        role = role_with_templates(cloud)
        cloud.client("dynamodb").create_table(
            TableName="bench", BillingMode="PAY_PER_REQUEST", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        queue_url = cloud.client("sqs").create_queue(QueueName="bench-queue")["QueueUrl"]
        env = role_session_environment(role, "bench-fn")
        principal = principal_for(env["AWS_ACCESS_KEY_ID"])
        assert principal is not None
        cases = {
            "check: DynamoDB PutItem": Call("dynamodb", "PutItem", REGION, ACCOUNT, {"TableName": "bench"}),
            "check: DynamoDB Query on an index": Call("dynamodb", "Query", REGION, ACCOUNT,
                                                      {"TableName": "bench", "IndexName": "byStatus"}),
            "check: S3 PutObject": Call("s3", "PutObject", REGION, ACCOUNT, resource="arn:aws:s3:::bench-bucket/a/b.png"),
            "check: SQS SendMessage (queue policy read too)": Call("sqs", "SendMessage", REGION, ACCOUNT,
                                                                   {"QueueUrl": queue_url}),
            "check: denied (DynamoDB DeleteTable on another table)": Call("dynamodb", "DeleteTable", REGION, ACCOUNT,
                                                                {"TableName": "other"}),
        }
        for name, call in cases.items():
            first_denial(principal, call)  # warm the caches
            rows.append((name, timed(lambda call=call: first_denial(principal, call), n_checks)))

        ddb = boto3.session.Session().client(
            "dynamodb", region_name=REGION, aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], aws_session_token=env["AWS_SESSION_TOKEN"],
            config=Config(account_id_endpoint_mode="disabled"))
        put = lambda: ddb.put_item(TableName="bench", Item={"pk": {"S": "k"}})  # noqa: E731
        on_samples: list[float] = []
        off_samples: list[float] = []
        for _ in range(n_calls):  # alternating calls: the shared machine's load drifts
            iam.enforce(True)
            on_samples += timed(put, 1)
            iam.enforce(False)
            off_samples += timed(put, 1)
        iam.enforce(None)

    print(f"# IAM enforcement cost{' (--quick)' if args.quick else ''}\n")
    print(f"{platform.node()} · {platform.processor() or platform.machine()} · Python {platform.python_version()} · "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print("| case | median µs | p90 µs | n | target |")
    print("|---|---:|---:|---:|---|")
    for name, samples in rows:
        median = statistics.median(samples)
        verdict = "met" if median < TARGET_US else "MISSED"
        print(f"| {name} | {median:.1f} | {p90(samples):.1f} | {len(samples)} | < {TARGET_US:.0f} µs: {verdict} |")
    on, off = statistics.median(on_samples), statistics.median(off_samples)
    overhead = on - off
    print(f"| end to end: boto3 PutItem, enforcement on ({on:.0f} µs) minus off ({off:.0f} µs) | {overhead:.1f} | "
          f"– | {len(on_samples)} | < {TARGET_US:.0f} µs: {'met' if overhead < TARGET_US else 'MISSED'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
