"""Template parameters are checked as CloudFormation checks them, before anything is created."""

from __future__ import annotations

import pytest

from infra.parameters import ParameterError, resolve_parameters


def refused(declared: dict, given: dict) -> str:
    with pytest.raises(ParameterError) as failure:
        resolve_parameters(declared, given)
    return str(failure.value)


def test_values_default_and_come_back_as_strings():
    declared = {"Size": {"Type": "Number", "Default": 10}, "Name": {"Type": "String", "Default": "a"}}
    assert resolve_parameters(declared, {"Name": "b"}) == {"Size": "10", "Name": "b"}


def test_a_number_parameter_refuses_text():
    assert refused({"Size": {"Type": "Number"}}, {"Size": "abc"}) == "Parameter 'Size' must be a number"


def test_number_bounds_and_allowed_values():
    spec = {"Type": "Number", "MinValue": 1, "MaxValue": 10}
    assert refused({"N": spec}, {"N": "0"}) == "Parameter 'N' must be a number not less than 1"
    assert refused({"N": spec}, {"N": "11"}) == "Parameter 'N' must be a number not greater than 10"
    assert resolve_parameters({"N": {"Type": "Number", "AllowedValues": [1, 2]}}, {"N": "2.0"}) == {"N": "2.0"}


def test_string_allowed_values_pattern_and_lengths():
    assert refused({"E": {"Type": "String", "AllowedValues": ["dev", "prod"]}}, {"E": "test"}) == \
        "Parameter 'E' must be one of AllowedValues"
    assert refused({"E": {"Type": "String", "AllowedPattern": "[a-z]+"}}, {"E": "abc1"}) == \
        "Parameter 'E' must match pattern [a-z]+"
    assert refused({"E": {"Type": "String", "MinLength": 3}}, {"E": "ab"}) == \
        "Parameter 'E' must contain at least 3 characters"
    assert refused({"E": {"Type": "String", "MaxLength": 2}}, {"E": "abc"}) == \
        "Parameter 'E' must contain at most 2 characters"


def test_constraint_description_replaces_the_generic_message():
    spec = {"Type": "String", "AllowedPattern": "https?://.+", "ConstraintDescription": "an http(s) URL"}
    assert refused({"Url": spec}, {"Url": "ftp://x"}) == "Parameter 'Url' failed to satisfy constraint: an http(s) URL"


def test_lists_check_each_item():
    assert refused({"L": {"Type": "List<Number>"}}, {"L": "1,x"}) == "Parameter 'L' must be a list of numbers"
    assert refused({"L": {"Type": "CommaDelimitedList", "AllowedValues": ["a", "b"]}}, {"L": "a,c"}) == \
        "Parameter 'L' must be one of AllowedValues"


def test_missing_and_unknown_parameters_are_named():
    assert refused({"A": {"Type": "String"}}, {}) == "Parameters: [A] must have values"
    assert refused({}, {"B": "1"}) == "Parameters: [B] do not exist in the template"


def test_a_refused_parameter_fails_the_deploy_before_anything_is_created(cloud):
    with pytest.raises(ParameterError, match="Parameter 'MaxInputBytes' must be a number"):
        cloud.deploy("file-conversion", parameters={"MaxInputBytes": "abc"})

    assert cloud.client("lambda").list_functions()["Functions"] == []
    assert cloud.client("s3").list_buckets()["Buckets"] == []
