"""Limits read off the resources: what the template sets, checked against what bounds it."""

from __future__ import annotations

from infra.docs import graph
from infra.docs.limits import limits_section


def _limits(source_of, resources_yaml: str) -> str:
    source = source_of(resources_yaml)
    return limits_section(source, graph.build(source.resources, source.parameters))


def test_a_function_outliving_its_api_integration_timeout_is_flagged(source_of):
    text = _limits(source_of, """
        Resources:
          Slow:
            Type: AWS::Serverless::Function
            Properties:
              Timeout: 60
              Events: {Get: {Type: Api, Properties: {Path: /slow, Method: get}}}
          Quick:
            Type: AWS::Serverless::Function
            Properties:
              Timeout: 10
              Events: {Get: {Type: HttpApi, Properties: {Path: /quick, Method: get}}}
        """)
    assert ("| `Slow` | timeout 60 s, memory 128 MB, longer than ServerlessRestApi's integration timeout (29 s): "
            "API Gateway answers 504 before the function ends |") in text
    assert "| `Quick` | timeout 10 s, memory 128 MB |" in text


def test_a_queue_visibility_is_checked_against_six_times_its_consumer_timeout_and_shards_give_throughput(source_of):
    text = _limits(source_of, """
        Resources:
          Jobs: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 30, MessageRetentionPeriod: 345600}}
          Stream: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 3}}
          Worker:
            Type: AWS::Serverless::Function
            Properties:
              Timeout: 20
              Events: {Jobs: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}}
        """)
    assert ("| `Jobs` | visibility timeout 30 s, messages kept 4 days, is below AWS's advice of ≥ 6 × Worker's "
            "timeout (120 s) |") in text
    assert "| `Stream` | 3 shard(s): 3 MB/s or 3,000 records/s in, 6 MB/s out |" in text
    assert "| Kinesis stream | per shard 1 MB/s or 1,000 records/s in, 2 MB/s out |" in text
