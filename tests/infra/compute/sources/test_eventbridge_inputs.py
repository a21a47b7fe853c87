"""What a rule's target receives: the event, Input, InputPath or InputTransformer (placeholders
inside and outside JSON strings, paths the event lacks, the predefined variables), and the
settings PutTargets refuses."""

from __future__ import annotations

import json

import pytest

from infra.compute.sources.eventbridge.inputs import TargetInputError, check_target, target_input

EVENT = {"version": "0", "id": "e-1", "source": "shop", "detail-type": "order", "time": "2026-12-04T18:00:00Z",
         "detail": {"store": "rome", "cents": 250, "lines": [{"sku": "a-1"}, {"sku": "b-2"}], "quote": 'say "hi"'}}
RULE = ("arn:aws:events:us-east-1:123456789012:rule/orders", "orders")


def transformed(paths: dict, template: str) -> str:
    return target_input({"InputTransformer": {"InputPathsMap": paths, "InputTemplate": template}}, EVENT, *RULE)


def test_without_input_settings_the_target_gets_the_whole_event():
    assert json.loads(target_input({}, EVENT, *RULE)) == EVENT


def test_input_is_sent_as_given_and_input_path_selects_part_of_the_event():
    assert target_input({"Input": '{"fixed": 1}'}, EVENT, *RULE) == '{"fixed": 1}'
    assert json.loads(target_input({"InputPath": "$.detail.lines[1]"}, EVENT, *RULE)) == {"sku": "b-2"}
    assert json.loads(target_input({"InputPath": "$.detail.nope"}, EVENT, *RULE)) is None


def test_a_placeholder_outside_quotes_takes_the_json_value_and_inside_quotes_its_text():
    out = transformed({"store": "$.detail.store", "cents": "$.detail.cents", "sku": "$.detail.lines[0].sku",
                       "quote": "$.detail.quote"},
                      '{"store": <store>, "cents": <cents>, "line": "<store>: <cents> of <sku>", "q": "<quote>"}')
    assert json.loads(out) == {"store": "rome", "cents": 250, "line": "rome: 250 of a-1", "q": 'say "hi"'}


def test_a_plain_text_template_in_quotes_is_a_json_string():
    assert json.loads(transformed({"store": "$.detail.store"}, '"<store> is open"')) == "rome is open"


def test_a_path_the_event_lacks_gives_null_alone_and_nothing_inside_a_string():
    out = transformed({"gone": "$.detail.missing.deeper"}, '{"value": <gone>, "text": "[<gone>]"}')
    assert json.loads(out) == {"value": None, "text": "[]"}


def test_the_predefined_variables_need_no_path():
    out = transformed({}, '{"rule": "<aws.events.rule-name>", "arn": "<aws.events.rule-arn>", '
                          '"at": "<aws.events.event.ingestion-time>", "event": <aws.events.event.json>, '
                          '"envelope": <aws.events.event>}')
    got = json.loads(out)
    assert got["rule"] == "orders" and got["arn"] == RULE[0] and got["at"] == EVENT["time"]
    assert got["event"] == EVENT and "detail" not in got["envelope"] and got["envelope"]["id"] == "e-1"


@pytest.mark.parametrize("target, message", [
    ({"Id": "t", "Input": "{}", "InputPath": "$.detail"}, "Only one of Input, InputPath, or InputTransformer"),
    ({"Id": "t", "Input": "{not json"}, "Input for target t is not valid JSON"),
    ({"Id": "t", "InputPath": "detail"}, "InputPath for target t is invalid"),
    ({"Id": "t", "InputTransformer": {"InputPathsMap": {"s": "$.detail..store"}, "InputTemplate": "<s>"}},
     "not a valid JSON path"),
    ({"Id": "t", "InputTransformer": {"InputPathsMap": {"aws.events.rule-name": "$.id"}, "InputTemplate": "x"}},
     "is reserved"),
    ({"Id": "t", "InputTransformer": {"InputPathsMap": {"s": "$.id"}}}, "needs an InputTemplate"),
])
def test_put_targets_refuses_input_settings_eventbridge_refuses(target, message):
    with pytest.raises(TargetInputError, match=message):
        check_target(target)
