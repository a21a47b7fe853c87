"""Template parameters checked the way CloudFormation checks them, before anything is created.

Type (String, Number, List<Number>, CommaDelimitedList; AWS-specific types are taken as strings),
AllowedValues, AllowedPattern (the whole value must match), MinLength/MaxLength,
MinValue/MaxValue, with CloudFormation's wording (or "failed to satisfy constraint:
<ConstraintDescription>" when the template gives one). Values come back as strings, as a
``Ref`` to a parameter resolves.
"""

from __future__ import annotations

import re
from typing import Any

from infra.exceptions import ToolkitError


class ParameterError(ToolkitError):
    """A parameter value the template does not accept (or a missing or unknown parameter)."""


def resolve_parameters(declared: dict[str, dict[str, Any]], given: dict[str, Any]) -> dict[str, str]:
    """Every declared parameter's value (given, else its Default), each checked; raises ParameterError."""
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ParameterError(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    missing = sorted(name for name, spec in declared.items() if name not in given and "Default" not in spec)
    if missing:
        raise ParameterError(f"Parameters: [{', '.join(missing)}] must have values")
    values = {}
    for name, spec in declared.items():
        value = _as_text(given[name] if name in given else spec["Default"])
        problem = _problem(name, spec, value)
        if problem:
            constraint = spec.get("ConstraintDescription")
            raise ParameterError(f"Parameter '{name}' failed to satisfy constraint: {constraint}"
                                 if constraint else problem)
        values[name] = value
    return values


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _problem(name: str, spec: dict[str, Any], value: str) -> str | None:
    kind = str(spec.get("Type", "String"))
    if kind == "Number":
        return _number_problem(name, spec, value)
    if kind == "List<Number>":
        for item in value.split(","):
            if _number(item) is None:
                return f"Parameter '{name}' must be a list of numbers"
        return None
    items = value.split(",") if kind.startswith("List<") or kind == "CommaDelimitedList" else [value]
    for item in items:
        problem = _string_problem(name, spec, item.strip() if len(items) > 1 else item)
        if problem:
            return problem
    return None


def _string_problem(name: str, spec: dict[str, Any], value: str) -> str | None:
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [_as_text(a) for a in allowed]:
        return f"Parameter '{name}' must be one of AllowedValues"
    pattern = spec.get("AllowedPattern")
    if pattern is not None and re.fullmatch(str(pattern), value) is None:
        return f"Parameter '{name}' must match pattern {pattern}"
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        return f"Parameter '{name}' must contain at least {spec['MinLength']} characters"
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        return f"Parameter '{name}' must contain at most {spec['MaxLength']} characters"
    return None


def _number_problem(name: str, spec: dict[str, Any], value: str) -> str | None:
    number = _number(value)
    if number is None:
        return f"Parameter '{name}' must be a number"
    allowed = spec.get("AllowedValues")
    if allowed is not None and number not in [_number(_as_text(a)) for a in allowed]:
        return f"Parameter '{name}' must be one of AllowedValues"
    if "MinValue" in spec and number < float(spec["MinValue"]):
        return f"Parameter '{name}' must be a number not less than {spec['MinValue']}"
    if "MaxValue" in spec and number > float(spec["MaxValue"]):
        return f"Parameter '{name}' must be a number not greater than {spec['MaxValue']}"
    return None


def _number(text: str) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if text.strip().lower() not in ("nan", "inf", "-inf", "infinity", "-infinity") else None
