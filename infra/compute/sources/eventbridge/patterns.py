"""EventBridge event patterns, matched as EventBridge matches them.

    pattern = compile_pattern('{"source": ["shop"], "detail": {"amount": [{"numeric": [">", 0]}]}}')
    pattern.matches(event)            # EventPatternError (InvalidEventPatternException) when refused

A pattern is a JSON object whose leaves are non-empty arrays; a field matches when any of the
event's values (a scalar, or each element of an array) matches any of the pattern's. Besides exact
values (strings, numbers compared as numbers, null, booleans): ``prefix``, ``suffix`` (each also
``{"equals-ignore-case": ...}`` inside), ``equals-ignore-case``, ``anything-but`` (a value, a list,
or a prefix/suffix/wildcard), ``numeric`` (up to two comparisons), ``exists``, ``wildcard`` (``*``)
and ``cidr``. Objects nest; ``$or`` takes a list of sub-patterns at any level. A field the event
lacks matches only ``{"exists": false}``.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

from infra.exceptions import ToolkitError

_MISSING = object()
_COMPARATORS = {"<": float.__lt__, "<=": float.__le__, "=": float.__eq__, ">": float.__gt__, ">=": float.__ge__}
_OPERATORS = ("prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "wildcard", "cidr")


class EventPatternError(ToolkitError):
    """EventBridge refuses the pattern (PutRule's InvalidEventPatternException)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Event pattern is not valid. Reason: {reason}")
        self.reason = reason


class EventPattern:
    def __init__(self, pattern: dict[str, Any]) -> None:
        self.pattern = pattern

    def matches(self, event: dict[str, Any]) -> bool:
        return _match_object(self.pattern, event)


def compile_pattern(text: str | dict[str, Any]) -> EventPattern:
    if isinstance(text, str):
        try:
            pattern = json.loads(text)
        except ValueError as exc:
            raise EventPatternError(f"Filter is not valid JSON: {exc}") from exc
    else:
        pattern = text
    if not isinstance(pattern, dict):
        raise EventPatternError("Filter is not an object")
    _validate_object(pattern)
    return EventPattern(pattern)


# -- validation -------------------------------------------------------------------------------
def _validate_object(pattern: dict[str, Any]) -> None:
    for key, value in pattern.items():
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2 or not all(isinstance(v, dict) for v in value):
                raise EventPatternError("$or must be an array of at least two objects")
            for alternative in value:
                _validate_object(alternative)
        elif isinstance(value, dict):
            _validate_object(value)
        elif isinstance(value, list):
            if not value:
                raise EventPatternError(f"Empty arrays are not allowed (field '{key}')")
            for item in value:
                if isinstance(item, dict):
                    _validate_operator(key, item)
                elif isinstance(item, list):
                    raise EventPatternError(f"Match value must be a string, number, boolean or null (field '{key}')")
        else:
            raise EventPatternError(f"'{key}' must be an object or an array")


def _validate_operator(key: str, item: dict[str, Any]) -> None:
    if len(item) != 1:
        raise EventPatternError(f"Only one key allowed in match expression (field '{key}')")
    operator, argument = next(iter(item.items()))
    if operator not in _OPERATORS:
        raise EventPatternError(f"Unrecognized match type {operator} (field '{key}')")
    if operator in ("prefix", "suffix"):
        if isinstance(argument, dict) and set(argument) == {"equals-ignore-case"}:
            argument = argument["equals-ignore-case"]
        if not isinstance(argument, str):
            raise EventPatternError(f"{operator} match pattern must be a string (field '{key}')")
    elif operator in ("equals-ignore-case", "wildcard"):
        if not isinstance(argument, str):
            raise EventPatternError(f"{operator} match pattern must be a string (field '{key}')")
        if operator == "wildcard" and "**" in argument:
            raise EventPatternError(f"Consecutive wildcard characters at pos {argument.index('**') + 1} (field '{key}')")
    elif operator == "exists":
        if not isinstance(argument, bool):
            raise EventPatternError(f"exists match pattern must be either true or false (field '{key}')")
    elif operator == "numeric":
        _numeric_pairs(key, argument)
    elif operator == "cidr":
        try:
            ipaddress.ip_network(argument, strict=False)
        except (ValueError, TypeError) as exc:
            raise EventPatternError(f"Malformed CIDR, one '/' required (field '{key}')") from exc
    elif operator == "anything-but":
        if isinstance(argument, dict):
            if len(argument) != 1 or next(iter(argument)) not in ("prefix", "suffix", "wildcard", "equals-ignore-case"):
                raise EventPatternError(f"Unsupported anything-but pattern (field '{key}')")
        elif isinstance(argument, list):
            if not argument or any(isinstance(v, (dict, list)) for v in argument):
                raise EventPatternError(f"Inside anything-but list, only strings or numbers (field '{key}')")


def _numeric_pairs(key: str, argument: Any) -> list[tuple[str, float]]:
    if not isinstance(argument, list) or len(argument) not in (2, 4):
        raise EventPatternError(f"Value of numeric must be an array of one or two comparisons (field '{key}')")
    pairs = []
    for op, value in zip(argument[::2], argument[1::2]):
        if op not in _COMPARATORS or isinstance(value, bool) or not isinstance(value, (int, float)):
            raise EventPatternError(f"Unrecognized numeric range operator or value {op!r} {value!r} (field '{key}')")
        pairs.append((op, float(value)))
    return pairs


# -- matching ---------------------------------------------------------------------------------
def _match_object(pattern: dict[str, Any], event: Any) -> bool:
    for key, expected in pattern.items():
        if key == "$or":
            if not any(_match_object(alternative, event) for alternative in expected):
                return False
            continue
        value = event.get(key, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(expected, dict):
            if not any(_match_object(expected, v) for v in _each(value) if isinstance(v, dict)):
                return False
        elif not _match_leaf(expected, value):
            return False
    return True


def _each(value: Any) -> list[Any]:
    if value is _MISSING:
        return []
    return value if isinstance(value, list) else [value]


def _match_leaf(expected: list[Any], value: Any) -> bool:
    for item in expected:
        if isinstance(item, dict) and "exists" in item:
            present = value is not _MISSING and not isinstance(value, dict)
            if present == item["exists"]:
                return True
            continue
        if value is _MISSING:
            continue
        if any(_match_value(item, v) for v in _each(value)):
            return True
    return False


def _match_value(item: Any, value: Any) -> bool:
    if not isinstance(item, dict):
        return _equal(item, value)
    operator, argument = next(iter(item.items()))
    if operator == "anything-but":
        if isinstance(argument, dict):
            return isinstance(value, str) and not _match_value(argument, value)
        excluded = argument if isinstance(argument, list) else [argument]
        return not any(_equal(e, value) for e in excluded)
    if operator == "numeric":
        return _is_number(value) and all(_COMPARATORS[op](float(value), bound) for op, bound in _numeric_pairs("", argument))
    if not isinstance(value, str):
        return False  # prefix, suffix, wildcard, cidr... match strings only
    if operator in ("prefix", "suffix"):
        folded = isinstance(argument, dict)
        text, probe = (argument["equals-ignore-case"].lower(), value.lower()) if folded else (argument, value)
        return probe.startswith(text) if operator == "prefix" else probe.endswith(text)
    if operator == "equals-ignore-case":
        return value.lower() == argument.lower()
    if operator == "wildcard":
        return _wildcard(argument).fullmatch(value) is not None
    if operator == "cidr":
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(argument, strict=False)
        except ValueError:
            return False
    return False


def _wildcard(argument: str) -> re.Pattern[str]:
    """``*`` matches any run of characters; ``\\*`` is a literal star."""
    parts = re.split(r"(?<!\\)\*", argument)
    return re.compile(".*".join(re.escape(part.replace("\\*", "*")) for part in parts), re.DOTALL)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equal(expected: Any, value: Any) -> bool:
    if _is_number(expected) and _is_number(value):
        return float(expected) == float(value)
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    return type(expected) is type(value) and expected == value
