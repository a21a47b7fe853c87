"""Pieces of the front door on their own: path templates and their precedence, mapping
templates ($input, $util, $context), service integration URIs, Lambda response mapping."""

from __future__ import annotations

import pytest

from infra.compute.http import events, services
from infra.compute.http.events import MalformedLambdaResponse
from infra.compute.http.paths import PathTemplate, split
from infra.compute.http.vtl import TemplateRenderError, render


def _best(templates, path):
    matches = [(t.match(split(path)), t.template) for t in map(PathTemplate.parse, templates)]
    found = [(m[0], name, m[1]) for m, name in matches if m is not None]
    return max(found)[1:] if found else None


@pytest.mark.parametrize(("path", "expected"), [
    ("/orders", ("/orders", {})),
    ("/orders/42", ("/orders/{id}", {"id": "42"})),
    ("/orders/latest", ("/orders/latest", {})),
    ("/orders/42/lines/3/x", ("/orders/{proxy+}", {"proxy": "42/lines/3/x"})),
    ("/elsewhere", None),
])
def test_literal_beats_parameter_beats_greedy(path, expected):
    templates = ["/orders", "/orders/{id}", "/orders/latest", "/orders/{proxy+}"]

    assert _best(templates, path) == expected


def test_greedy_parameter_needs_at_least_one_segment():
    assert PathTemplate.parse("/files/{path+}").match(split("/files")) is None


def test_path_segments_are_percent_decoded():
    assert PathTemplate.parse("/a/{name}").match(split("/a/caf%C3%A9%20au%20lait"))[1] == {"name": "café au lait"}


def test_input_json_path_and_params_in_a_template():
    body = b'{"order": {"id": 7, "lines": [{"sku": "a"}, {"sku": "b"}]}, "note": "it\'s \\"quoted\\""}'

    rendered = render('{"id": $input.path(\'$.order.id\'), "lines": $input.json(\'$.order.lines\'), '
                      '"first": "$input.path(\'$.order.lines[0].sku\')", "q": "$input.params(\'q\')", '
                      '"note": "$util.escapeJavaScript($input.path(\'$.note\'))", "stage": "$context.stage", '
                      '"v": "$stageVariables.tier"}',
                      body, {"stage": "prod"}, {"tier": "gold"}, {"path": {}, "querystring": {"q": "x y"}, "header": {}})

    assert rendered == ('{"id": 7, "lines": [{"sku": "a"}, {"sku": "b"}], "first": "a", "q": "x y", '
                        '"note": "it\\\'s \\"quoted\\"", "stage": "prod", "v": "gold"}')


def test_util_url_encode_and_base64():
    rendered = render("$util.urlEncode($input.body)|$util.base64Encode('hi')|$util.base64Decode('aGk=')",
                      b'{"a": "b c&d"}', {}, {})

    assert rendered == "%7B%22a%22%3A+%22b+c%26d%22%7D|aGk=|hi"


def test_velocity_control_flow_works():
    rendered = render("#set($items = $input.path('$.items'))#foreach($i in $items)$i#if($foreach.hasNext),#end#end",
                      b'{"items": [1, 2, 3]}', {}, {})

    assert rendered == "1,2,3"


def test_broken_template_is_a_render_error():
    with pytest.raises(TemplateRenderError):
        render("#if($x", b"", {}, {})


@pytest.mark.parametrize(("uri", "expected"), [
    ("arn:aws:apigateway:us-east-1:sqs:path/123456789012/jobs", ("sqs", "path", "123456789012/jobs")),
    ("arn:aws:apigateway:eu-west-1:states:action/StartExecution", ("states", "action", "StartExecution")),
])
def test_service_integration_uris_are_parsed(uri, expected):
    assert services.parse_uri(uri) == expected


@pytest.mark.parametrize("uri", ["arn:aws:lambda:us-east-1:1:function:f", "arn:aws:apigateway:us-east-1:sqs:queue/x"])
def test_other_uris_are_refused(uri):
    with pytest.raises(services.UnsupportedIntegration):
        services.parse_uri(uri)


@pytest.mark.parametrize("result", [
    None, "text", {"statusCode": 200, "unexpected": 1}, {"statusCode": 99}, {"statusCode": 200, "body": 5},
    {"statusCode": 200, "body": "!!", "isBase64Encoded": True}, {"statusCode": 200, "multiValueHeaders": {"a": "b"}},
])
def test_malformed_rest_responses_are_refused(result):
    with pytest.raises(MalformedLambdaResponse):
        events.rest_response(result)


def test_rest_response_merges_headers_with_multi_value_headers_taking_precedence():
    response = events.rest_response({"statusCode": "201", "headers": {"A": "1", "B": "single"},
                                     "multiValueHeaders": {"B": ["x", "y"]}, "body": "ok"})

    assert response.status == 201 and response.headers == [("A", "1"), ("B", "x"), ("B", "y")]
