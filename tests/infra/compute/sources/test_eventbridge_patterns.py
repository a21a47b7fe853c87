"""EventBridge event patterns matched as EventBridge matches them, refused as PutRule refuses
them; PutEvents answers a malformed entry per entry, as EventBridge does, and delivers the others."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from eventbridge_queues import messages, queue_for_events

from infra.compute.sources.eventbridge.patterns import EventPatternError, compile_pattern

EVENT = {"version": "0", "id": "1", "source": "shop", "detail-type": "order", "account": "123456789012",
         "region": "us-east-1", "resources": ["arn:aws:s3:::orders"],
         "detail": {"store": "berlin-1", "cents": 1250, "tags": ["new", "gift"], "ip": "10.0.0.7",
                    "file": "in/a.png", "customer": {"tier": "gold", "since": 2019}, "note": None, "paid": True}}


@pytest.mark.parametrize("pattern, matches", [
    ({"source": ["shop"]}, True),
    ({"source": ["shop", "warehouse"], "detail-type": ["order"]}, True),
    ({"source": ["warehouse"]}, False),
    ({"detail": {"store": [{"prefix": "berlin"}]}}, True),
    ({"detail": {"store": [{"prefix": {"equals-ignore-case": "BERLIN"}}]}}, True),
    ({"detail": {"store": [{"suffix": "-1"}]}}, True),
    ({"detail": {"store": [{"equals-ignore-case": "BERLIN-1"}]}}, True),
    ({"detail": {"store": [{"anything-but": ["berlin-1", "rome"]}]}}, False),
    ({"detail": {"store": [{"anything-but": "rome"}]}}, True),
    ({"detail": {"store": [{"anything-but": {"prefix": "ber"}}]}}, False),
    ({"detail": {"missing": [{"anything-but": "x"}]}}, False),  # anything-but needs the field
    ({"detail": {"cents": [{"numeric": [">", 1000, "<=", 1250]}]}}, True),
    ({"detail": {"cents": [{"numeric": ["<", 1000]}]}}, False),
    ({"detail": {"cents": [1250.0]}}, True),  # numbers compare as numbers
    ({"detail": {"cents": ["1250"]}}, False),  # a string is not a number
    ({"detail": {"missing": [{"exists": False}]}}, True),
    ({"detail": {"store": [{"exists": False}]}}, False),
    ({"detail": {"store": [{"exists": True}]}}, True),
    ({"detail": {"file": [{"wildcard": "in/*.png"}]}}, True),
    ({"detail": {"file": [{"wildcard": "*.jpg"}]}}, False),
    ({"detail": {"tags": ["gift"]}}, True),  # any element of an array
    ({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, True),
    ({"detail": {"ip": [{"cidr": "10.0.1.0/24"}]}}, False),
    ({"detail": {"customer": {"tier": ["gold"], "since": [{"numeric": ["<", 2020]}]}}}, True),
    ({"detail": {"customer": {"tier": ["silver"]}}}, False),
    ({"detail": {"note": [None], "paid": [True]}}, True),
    ({"$or": [{"source": ["warehouse"]}, {"detail": {"cents": [1250]}}]}, True),
    ({"$or": [{"source": ["warehouse"]}, {"detail": {"cents": [1]}}]}, False),
    ({"detail": {"$or": [{"store": ["x"]}, {"tags": ["new"]}]}}, True),
    ({"resources": ["arn:aws:s3:::orders"]}, True),
])
def test_patterns_match_as_eventbridge_matches(pattern, matches):
    assert compile_pattern(json.dumps(pattern)).matches(EVENT) is matches


@pytest.mark.parametrize("pattern, reason", [
    ('{"source": "shop"}', "must be an object or an array"),
    ('{"source": []}', "Empty arrays"),
    ("not json", "not valid JSON"),
    ('["shop"]', "not an object"),
    ('{"detail": {"cents": [{"numeric": [">", "x"]}]}}', "numeric"),
    ('{"detail": {"cents": [{"numeric": [">", 1, "<", 2, ">", 3]}]}}', "numeric"),
    ('{"detail": {"x": [{"regex": "a+"}]}}', "Unrecognized match type regex"),
    ('{"detail": {"x": [{"prefix": 1}]}}', "prefix match pattern must be a string"),
    ('{"detail": {"x": [{"exists": "yes"}]}}', "exists match pattern must be either true or false"),
    ('{"detail": {"x": [{"wildcard": "a**b"}]}}', "Consecutive wildcard"),
    ('{"$or": [{"source": ["a"]}]}', "\\$or must be an array of at least two"),
])
def test_patterns_eventbridge_refuses_are_refused_with_a_reason(pattern, reason):
    with pytest.raises(EventPatternError, match=reason):
        compile_pattern(pattern)


def test_put_rule_answers_a_bad_pattern_with_invalid_event_pattern_exception(cloud):
    with pytest.raises(ClientError) as refused:
        cloud.client("events").put_rule(Name="bad", EventPattern='{"source": "shop"}')
    assert refused.value.response["Error"]["Code"] == "InvalidEventPatternException"
    assert refused.value.response["Error"]["Message"].startswith("Event pattern is not valid. Reason: ")


def test_put_events_refuses_malformed_entries_one_by_one_and_delivers_the_rest_once(cloud):
    events = cloud.client("events")
    url, arn = queue_for_events(cloud, "all-shop-events")
    events.put_rule(Name="all-shop", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="all-shop", Targets=[{"Id": "q", "Arn": arn}])

    answer = events.put_events(Entries=[
        {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"n": 1})},
        {"Source": "shop", "DetailType": "order", "Detail": "{not json"},
        {"Source": "shop", "DetailType": "order", "Detail": "[1, 2]"},
        {"DetailType": "order", "Detail": "{}"},
        {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"n": 2})},
    ])
    cloud.drain()

    assert answer["FailedEntryCount"] == 3
    assert [e.get("ErrorCode") for e in answer["Entries"]] == [None, "MalformedDetail", "MalformedDetail",
                                                                 "InvalidArgument", None]
    assert sorted(json.loads(m["Body"])["detail"]["n"] for m in messages(cloud, url)) == [1, 2]  # once each, by the plane
