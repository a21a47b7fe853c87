"""IAM policy evaluation with AWS's logic, for one principal, action and resource.

An explicit Deny in any applicable policy wins; otherwise an Allow in an identity-based policy
(or, for the same account, in the resource's policy naming the principal) allows; otherwise the
request is implicitly denied. Action/NotAction, Resource/NotResource, Principal/NotPrincipal
with ``*`` and ``?`` wildcards, and the condition operators templates use are understood; an
operator this evaluator does not know fails closed (UnsupportedConditionError).

Documents are compiled once per text (regular expressions for every pattern), so evaluating a
request is a walk over a few compiled statements.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Literal

from infra.compute.iam.exceptions import PolicyDocumentError, UnsupportedConditionError

Decision = Literal["Allow", "ExplicitDeny", "ImplicitDeny"]


@dataclass(frozen=True)
class Principal:
    """Who makes the request: a role session (``arn`` the assumed-role ARN) or a service."""

    arn: str = ""  # arn:aws:sts::123456789012:assumed-role/Role/session
    role_arn: str = ""  # arn:aws:iam::123456789012:role/Role
    account: str = ""
    service: str = ""  # e.g. sns.amazonaws.com (a service principal delivering to a resource)


@dataclass(frozen=True)
class Request:
    principal: Principal
    action: str  # service prefix + operation, e.g. dynamodb:PutItem
    resource: str  # an ARN, or '*'
    context: dict[str, str] = field(default_factory=dict)  # condition keys (lower-case) -> value


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    where: str = ""  # "identity-based policy" / "resource-based policy" (for an explicit deny)

    @property
    def allowed(self) -> bool:
        return self.decision == "Allow"


def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


@dataclass(frozen=True)
class _Patterns:
    patterns: tuple[re.Pattern[str], ...]
    negated: bool  # NotAction / NotResource / NotPrincipal

    def matches(self, value: str) -> bool:
        hit = any(p.match(value) for p in self.patterns)
        return not hit if self.negated else hit


def _patterns(statement: dict[str, Any], name: str, ignore_case: bool) -> _Patterns | None:
    if name in statement:
        return _Patterns(tuple(_wildcard(v, ignore_case) for v in _listed(statement[name])), False)
    if f"Not{name}" in statement:
        return _Patterns(tuple(_wildcard(v, ignore_case) for v in _listed(statement[f"Not{name}"])), True)
    return None


def _principal_values(raw: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(AWS principals, service principals) of a Principal block."""
    if raw == "*":
        return ("*",), ()
    if not isinstance(raw, dict):
        raise PolicyDocumentError(f"Principal must be '*' or an object, not {raw!r}")
    aws = tuple(_listed(raw.get("AWS")))
    service = tuple(_listed(raw.get("Service")))
    return aws, service


def _aws_principal_matches(value: str, principal: Principal) -> bool:
    if value == "*":
        return True
    if not principal.arn:
        return False
    # a role ARN names every session of the role; the session ARN names one; an account (root)
    # delegates to the account's identity policies, which is not a grant by itself (see evaluate)
    return value in (principal.role_arn, principal.arn)


@dataclass(frozen=True)
class _Statement:
    effect: str
    actions: _Patterns
    resources: _Patterns | None
    principals: tuple[tuple[str, ...], tuple[str, ...]] | None
    not_principal: bool
    conditions: tuple[Callable[[dict[str, str]], bool], ...]

    def applies(self, request: Request, resource_policy: bool) -> bool:
        if not self.actions.matches(request.action):
            return False
        if self.resources is not None and not self.resources.matches(request.resource):
            return False
        if resource_policy:
            if self.principals is None:
                return False
            aws, services = self.principals
            named = (any(_aws_principal_matches(v, request.principal) for v in aws)
                     or (request.principal.service != "" and request.principal.service in services))
            if named == self.not_principal:
                return False
        return all(condition(request.context) for condition in self.conditions)


def _compile_statement(raw: dict[str, Any]) -> _Statement:
    if not isinstance(raw, dict):
        raise PolicyDocumentError(f"a statement must be an object, not {raw!r}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyDocumentError(f"statement Effect must be Allow or Deny, not {effect!r}")
    actions = _patterns(raw, "Action", ignore_case=True)
    if actions is None:
        raise PolicyDocumentError("a statement needs Action or NotAction")
    principal_key = "Principal" if "Principal" in raw else "NotPrincipal" if "NotPrincipal" in raw else None
    return _Statement(
        effect=effect,
        actions=actions,
        resources=_patterns(raw, "Resource", ignore_case=False),
        principals=_principal_values(raw[principal_key]) if principal_key else None,
        not_principal=principal_key == "NotPrincipal",
        conditions=tuple(_compile_conditions(raw.get("Condition") or {})),
    )


@lru_cache(maxsize=4096)
def compile_document(text: str) -> tuple[_Statement, ...]:
    """A policy document (JSON text) as compiled statements; kept per text."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PolicyDocumentError(f"policy is not JSON: {exc}") from exc
    statements = document.get("Statement", []) if isinstance(document, dict) else None
    if statements is None:
        raise PolicyDocumentError("a policy document must be an object with a Statement")
    if isinstance(statements, dict):
        statements = [statements]
    return tuple(_compile_statement(s) for s in statements)


def evaluate(request: Request, identity_policies: tuple[str, ...], resource_policy: str | None = None) -> Outcome:
    """AWS's decision for a request within one account (documents as JSON text).

    The decision depends on nothing but the request and the documents' text, so it is kept per
    (principal, action, resource, condition keys, documents): a function calling the same action on
    the same resource again costs a lookup, and a changed policy — a different text — is evaluated
    afresh."""
    return _decide(request.principal, request.action, request.resource, tuple(sorted(request.context.items())),
                   tuple(identity_policies), resource_policy)


@lru_cache(maxsize=8192)
def _decide(principal: Principal, action: str, resource: str, context: tuple[tuple[str, str], ...],
            identity_policies: tuple[str, ...], resource_policy: str | None) -> Outcome:
    request = Request(principal, action, resource, dict(context))
    identity = [s for text in identity_policies for s in compile_document(text)]
    resource = list(compile_document(resource_policy)) if resource_policy else []
    for statement in identity:
        if statement.effect == "Deny" and statement.applies(request, resource_policy=False):
            return Outcome("ExplicitDeny", "an identity-based policy")
    for statement in resource:
        if statement.effect == "Deny" and statement.applies(request, resource_policy=True):
            return Outcome("ExplicitDeny", "a resource-based policy")
    if any(s.effect == "Allow" and s.applies(request, resource_policy=False) for s in identity):
        return Outcome("Allow")
    if any(s.effect == "Allow" and s.applies(request, resource_policy=True) for s in resource):
        return Outcome("Allow")
    return Outcome("ImplicitDeny")


# -- conditions -------------------------------------------------------------------------------
def _arn_like(pattern: str, value: str) -> bool:
    """ArnLike compares the six ARN parts, each with wildcards (a part may not span a ':')."""
    p_parts, v_parts = pattern.split(":", 5), value.split(":", 5)
    if len(p_parts) != 6 or len(v_parts) != 6:
        return False
    return all(_wildcard(p, ignore_case=False).match(v) for p, v in zip(p_parts, v_parts))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def test(expected: str, actual: str) -> bool:
        a, e = _number(actual), _number(expected)
        return a is not None and e is not None and compare(a, e)
    return test


_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    # name -> (test(expected, actual), negated)
    "StringEquals": (lambda e, a: e == a, False),
    "StringNotEquals": (lambda e, a: e == a, True),
    "StringEqualsIgnoreCase": (lambda e, a: e.lower() == a.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda e, a: e.lower() == a.lower(), True),
    "StringLike": (lambda e, a: bool(_wildcard(e, ignore_case=False).match(a)), False),
    "StringNotLike": (lambda e, a: bool(_wildcard(e, ignore_case=False).match(a)), True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Bool": (lambda e, a: e.lower() == a.lower(), False),
    "NumericEquals": (_numeric(lambda a, e: a == e), False),
    "NumericNotEquals": (_numeric(lambda a, e: a == e), True),
    "NumericLessThan": (_numeric(lambda a, e: a < e), False),
    "NumericLessThanEquals": (_numeric(lambda a, e: a <= e), False),
    "NumericGreaterThan": (_numeric(lambda a, e: a > e), False),
    "NumericGreaterThanEquals": (_numeric(lambda a, e: a >= e), False),
}
SUPPORTED_OPERATORS = tuple(sorted(_OPERATORS)) + ("Null",)


def _compile_conditions(block: dict[str, Any]) -> list[Callable[[dict[str, str]], bool]]:
    compiled = []
    for operator, tests in block.items():
        for key, expected in tests.items():
            compiled.append(_condition(operator, key.lower(), _listed(expected)))
    return compiled


def _condition(operator: str, key: str, expected: list[str]) -> Callable[[dict[str, str]], bool]:
    qualifier, _, name = operator.rpartition(":")  # ForAnyValue: / ForAllValues: (single-valued keys here)
    if_exists = name.endswith("IfExists")
    base = name[: -len("IfExists")] if if_exists else name
    if qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise UnsupportedConditionError(operator)
    if base == "Null":
        return lambda context: (key not in context) == (expected[0].lower() == "true")
    if base not in _OPERATORS:
        raise UnsupportedConditionError(operator)
    test, negated = _OPERATORS[base]

    def check(context: dict[str, str]) -> bool:
        actual = context.get(key)
        if actual is None:
            return if_exists or (negated and qualifier == "") or qualifier == "ForAllValues"
        hit = any(test(value, actual) for value in expected)
        return not hit if negated else hit

    return check
