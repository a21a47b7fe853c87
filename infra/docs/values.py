"""Template values as the docs need them: which resources a value names, and how it reads.

CloudFormation values are literals or intrinsic functions (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``,
``Fn::Join``...). The docs never resolve them against a deployment; they name what they point at
(``${OrdersTable}``, ``JobsQueue.Arn``) and take a parameter's default where a number is needed.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SUB_VARIABLE = re.compile(r"\$\{(?!!)([A-Za-z0-9_:]+)(?:\.([A-Za-z0-9_.]+))?\}")


def refs(value: Any, known: set[str] | frozenset[str] | None = None) -> set[str]:
    """Logical ids a value names through Ref, GetAtt or Sub (``known`` filters out pseudo
    parameters and template parameters when given)."""
    found: set[str] = set()
    _collect(value, found)
    return {name for name in found if known is None or name in known}


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, found)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        (key, inner), = value.items()
        if key == "Ref" and isinstance(inner, str):
            found.add(inner)
            return
        if key == "Fn::GetAtt":
            target = inner[0] if isinstance(inner, list) and inner else str(inner).split(".", 1)[0]
            found.add(str(target))
            return
        if key == "Fn::Sub":
            text, variables = (inner[0], inner[1] if len(inner) > 1 else {}) if isinstance(inner, list) else (inner, {})
            for name in _sub_names(str(text)):
                if name not in variables:
                    found.add(name)
            _collect(variables, found)
            return
    for item in value.values():
        _collect(item, found)


def _sub_names(text: str) -> list[str]:
    return [match.group(1) for match in _SUB_VARIABLE.finditer(text) if not match.group(1).startswith("AWS::")]


def text(value: Any) -> str:
    """How a value reads in a page: literals as they are, ``${Name}`` for a Ref, ``Name.Attr`` for a
    GetAtt, a Sub's string with its variables written in."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return ", ".join(text(item) for item in value)
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key == "Ref":
            return f"${{{inner}}}"
        if key == "Fn::GetAtt":
            return ".".join(inner) if isinstance(inner, list) else str(inner)
        if key == "Fn::Sub":
            return _sub_text(inner)
        if key == "Fn::Join" and isinstance(inner, list) and len(inner) == 2 and isinstance(inner[1], list):
            return str(inner[0]).join(text(part) for part in inner[1])
        if key == "Fn::If" and isinstance(inner, list) and len(inner) == 3:
            return f"{text(inner[1])} if {inner[0]} else {text(inner[2])}"
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))


def _sub_text(inner: Any) -> str:
    if not isinstance(inner, list):
        return str(inner)
    template = str(inner[0])
    variables = inner[1] if len(inner) > 1 and isinstance(inner[1], dict) else {}

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return text(variables[name]) if isinstance(variables[name], dict) else str(variables[name])
        return match.group(0)

    return _SUB_VARIABLE.sub(substitute, template)


def resolved(value: Any, parameters: dict[str, Any]) -> Any:
    """A literal, or a Ref to a template parameter replaced by its default; anything else as is."""
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]]
    return value


def number(value: Any, parameters: dict[str, Any]) -> float | None:
    """A numeric setting (a literal or a parameter's default), None when it is not a number."""
    value = resolved(value, parameters)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def shown(value: Any, parameters: dict[str, Any]) -> str:
    """A setting as a page shows it: a parameter's default with the parameter's name."""
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
        return f"{text(parameters[value['Ref']])} (parameter {value['Ref']})"
    return text(value)


def as_list(value: Any) -> list[Any]:
    """IAM's "one or a list" fields as a list."""
    return value if isinstance(value, list) else [] if value is None else [value]
