"""The evaluator's decisions, on documents alone: AWS's evaluation logic."""

from __future__ import annotations

import json

import pytest

from infra.compute.iam.exceptions import UnsupportedConditionError
from infra.compute.iam.policy import Principal, Request, evaluate

ROLE = "arn:aws:iam::123456789012:role/app-role"
SESSION = Principal(arn="arn:aws:sts::123456789012:assumed-role/app-role/app-fn", role_arn=ROLE,
                    account="123456789012")
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def decide(action: str, resource: str, *identity: str, resource_policy: str | None = None,
           context: dict[str, str] | None = None, principal: Principal = SESSION) -> str:
    request = Request(principal, action, resource, context or {})
    return evaluate(request, tuple(identity), resource_policy).decision


def test_an_allow_for_the_table_allows_the_action_on_it():
    policy = doc({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE})
    assert decide("dynamodb:PutItem", TABLE, policy) == "Allow"


def test_nothing_allows_means_an_implicit_deny():
    policy = doc({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE})
    assert decide("dynamodb:PutItem", TABLE, policy) == "ImplicitDeny"
    assert decide("dynamodb:PutItem", TABLE) == "ImplicitDeny"


def test_an_explicit_deny_wins_over_any_allow():
    allow = doc({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"})
    deny = doc({"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE})
    assert decide("dynamodb:DeleteItem", TABLE, allow, deny) == "ExplicitDeny"
    assert decide("dynamodb:GetItem", TABLE, allow, deny) == "Allow"


def test_actions_match_case_insensitively_with_wildcards_and_resources_case_sensitively():
    policy = doc({"Effect": "Allow", "Action": ["DynamoDB:Get*", "sqs:?eleteMessage"],
                  "Resource": ["arn:aws:dynamodb:*:*:table/Ord*", "arn:aws:sqs:us-east-1:123456789012:jobs"]})
    assert decide("dynamodb:GetItem", TABLE, policy) == "Allow"
    assert decide("sqs:DeleteMessage", "arn:aws:sqs:us-east-1:123456789012:jobs", policy) == "Allow"
    assert decide("dynamodb:GetItem", TABLE.replace("Orders", "orders"), policy) == "ImplicitDeny"
    assert decide("dynamodb:PutItem", TABLE, policy) == "ImplicitDeny"


def test_not_action_allows_everything_but_the_listed_actions():
    policy = doc({"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": TABLE})
    assert decide("dynamodb:PutItem", TABLE, policy) == "Allow"
    assert decide("dynamodb:DeleteItem", TABLE, policy) == "ImplicitDeny"


def test_not_resource_denies_everything_but_the_listed_resources():
    allow = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    deny = doc({"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::mine/*"})
    assert decide("s3:GetObject", "arn:aws:s3:::mine/a.txt", allow, deny) == "Allow"
    assert decide("s3:GetObject", "arn:aws:s3:::theirs/a.txt", allow, deny) == "ExplicitDeny"


def test_conditions_string_like_arn_like_bool_and_if_exists():
    policy = doc({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*", "Condition": {
        "StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"},
        "ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:up*"},
        "Bool": {"aws:SecureTransport": "true"},
        "StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}}})
    context = {"aws:principalarn": ROLE, "aws:sourcearn": "arn:aws:sns:us-east-1:123456789012:uploads",
               "aws:securetransport": "true"}
    assert decide("sqs:SendMessage", "q", policy, context=context) == "Allow"
    assert decide("sqs:SendMessage", "q", policy, context={**context, "aws:sourceaccount": "999"}) == "ImplicitDeny"
    assert decide("sqs:SendMessage", "q", policy, context={**context, "aws:securetransport": "false"}) == "ImplicitDeny"
    wrong_topic = {**context, "aws:sourcearn": "arn:aws:sns:us-east-1:123456789012:other"}
    assert decide("sqs:SendMessage", "q", policy, context=wrong_topic) == "ImplicitDeny"


def test_a_missing_condition_key_fails_a_positive_operator_and_null_tests_for_it():
    needs = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}})
    absent = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                  "Condition": {"Null": {"aws:SourceAccount": "true"}}})
    assert decide("s3:GetObject", "arn:aws:s3:::b/k", needs) == "ImplicitDeny"
    assert decide("s3:GetObject", "arn:aws:s3:::b/k", absent) == "Allow"


def test_an_unknown_condition_operator_fails_closed_naming_it():
    policy = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                  "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}})
    with pytest.raises(UnsupportedConditionError, match="DateGreaterThan"):
        decide("s3:GetObject", "arn:aws:s3:::b/k", policy)


def test_a_resource_policy_allows_a_service_principal_only_for_its_source():
    queue = "arn:aws:sqs:us-east-1:123456789012:thumbs"
    topic = "arn:aws:sns:us-east-1:123456789012:uploads"
    policy = doc({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                  "Resource": queue, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}})
    sns = Principal(service="sns.amazonaws.com")
    assert decide("sqs:SendMessage", queue, resource_policy=policy, principal=sns,
                  context={"aws:sourcearn": topic}) == "Allow"
    assert decide("sqs:SendMessage", queue, resource_policy=policy, principal=sns,
                  context={"aws:sourcearn": topic + "-other"}) == "ImplicitDeny"
    s3 = Principal(service="s3.amazonaws.com")
    assert decide("sqs:SendMessage", queue, resource_policy=policy, principal=s3,
                  context={"aws:sourcearn": topic}) == "ImplicitDeny"


def test_a_resource_policy_naming_the_role_allows_without_an_identity_policy_and_can_deny():
    queue = "arn:aws:sqs:us-east-1:123456789012:jobs"
    allow = doc({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sqs:SendMessage", "Resource": queue})
    deny = doc({"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": queue})
    identity = doc({"Effect": "Allow", "Action": "sqs:*", "Resource": "*"})
    assert decide("sqs:SendMessage", queue, resource_policy=allow) == "Allow"
    assert decide("sqs:ReceiveMessage", queue, resource_policy=allow) == "ImplicitDeny"
    assert decide("sqs:SendMessage", queue, identity, resource_policy=deny) == "ExplicitDeny"


def test_a_resource_policy_naming_only_the_account_does_not_grant_by_itself():
    queue = "arn:aws:sqs:us-east-1:123456789012:jobs"
    account = doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                   "Action": "sqs:*", "Resource": queue})
    assert decide("sqs:SendMessage", queue, resource_policy=account) == "ImplicitDeny"


def test_a_decision_kept_for_a_request_gives_way_to_a_changed_policy_or_resource_policy():
    reader = doc({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE})
    writer = doc({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": TABLE})
    deny_all = doc({"Effect": "Deny", "Principal": "*", "Action": "dynamodb:*", "Resource": TABLE})
    first = [decide("dynamodb:PutItem", TABLE, reader) for _ in range(3)]
    assert first == ["ImplicitDeny"] * 3
    assert decide("dynamodb:PutItem", TABLE, writer) == "Allow"
    assert decide("dynamodb:PutItem", TABLE, writer, resource_policy=deny_all) == "ExplicitDeny"
    assert decide("dynamodb:PutItem", TABLE, writer, context={"aws:requestedregion": "eu-west-1"}) == "Allow"
