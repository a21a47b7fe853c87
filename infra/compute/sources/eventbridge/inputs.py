"""What a rule's target receives: the event, or its Input, InputPath or InputTransformer.

    check_target(target)                       # TargetInputError (PutTargets' ValidationException)
    target_input(target, event, rule_arn, rule_name) -> str

JSON paths are EventBridge's: ``$``, dot notation, array indices (``$.detail.items[0].sku``).
A path the event does not have gives no value: ``null`` where the placeholder stands alone,
nothing inside a quoted string (EventBridge's reading of a missing path). The predefined
variables ``aws.events.rule-arn``, ``aws.events.rule-name``, ``aws.events.event.ingestion-time``,
``aws.events.event`` (without ``detail``) and ``aws.events.event.json`` need no path.
"""

from __future__ import annotations

import json
import re
from typing import Any

from infra.exceptions import ToolkitError

_PATH = re.compile(r"^\$(\.[A-Za-z0-9_\-/]+(\[\d+\])*|\[\d+\])*$")
_SEGMENT = re.compile(r"\.([A-Za-z0-9_\-/]+)|\[(\d+)\]")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_PREDEFINED = ("aws.events.rule-arn", "aws.events.rule-name", "aws.events.event.ingestion-time",
               "aws.events.event", "aws.events.event.json")
_NOTHING = object()


class TargetInputError(ToolkitError):
    """EventBridge refuses the target's input settings (PutTargets answers ValidationException)."""


def check_target(target: dict[str, Any]) -> None:
    given = [key for key in ("Input", "InputPath", "InputTransformer") if target.get(key)]
    if len(given) > 1:
        raise TargetInputError(f"Only one of Input, InputPath, or InputTransformer must be provided "
                               f"for target {target.get('Id')} (got {', '.join(given)})")
    if target.get("Input"):
        try:
            json.loads(target["Input"])
        except ValueError as exc:
            raise TargetInputError(f"Input for target {target.get('Id')} is not valid JSON: {exc}") from exc
    if target.get("InputPath") and not _PATH.match(target["InputPath"]):
        raise TargetInputError(f"InputPath for target {target.get('Id')} is invalid: {target['InputPath']!r}")
    transformer = target.get("InputTransformer")
    if transformer:
        paths = transformer.get("InputPathsMap") or {}
        if len(paths) > 100:
            raise TargetInputError(f"InputPathsMap for target {target.get('Id')} has more than 100 entries")
        for name, path in paths.items():
            if name in _PREDEFINED or name.startswith("aws."):
                raise TargetInputError(f"InputTransformer for target {target.get('Id')}: "
                                       f"the variable name {name!r} is reserved")
            if not _PATH.match(str(path)):
                raise TargetInputError(f"InputTransformer for target {target.get('Id')}: "
                                       f"the path {path!r} of {name!r} is not a valid JSON path")
        if not transformer.get("InputTemplate"):
            raise TargetInputError(f"InputTransformer for target {target.get('Id')} needs an InputTemplate")


def resolve_path(event: Any, path: str) -> Any:
    """The value at a JSON path, or ``_NOTHING`` when the event has none."""
    value = event
    for name, index in _SEGMENT.findall(path[1:]):
        if name:
            if not isinstance(value, dict) or name not in value:
                return _NOTHING
            value = value[name]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                return _NOTHING
            value = value[int(index)]
    return value


def target_input(target: dict[str, Any], event: dict[str, Any], rule_arn: str, rule_name: str) -> str:
    if target.get("Input"):
        return str(target["Input"])
    if target.get("InputPath"):
        value = resolve_path(event, target["InputPath"])
        return json.dumps(None if value is _NOTHING else value)
    transformer = target.get("InputTransformer")
    if not transformer:
        return json.dumps(event)
    values = {name: resolve_path(event, path) for name, path in (transformer.get("InputPathsMap") or {}).items()}
    values.update({"aws.events.rule-arn": rule_arn, "aws.events.rule-name": rule_name,
                   "aws.events.event.ingestion-time": event.get("time", ""),
                   "aws.events.event": {k: v for k, v in event.items() if k != "detail"},
                   "aws.events.event.json": event})
    return _render(transformer["InputTemplate"], values)


def _render(template: str, values: dict[str, Any]) -> str:
    """Placeholders inside a JSON string take the value's text; elsewhere its JSON."""
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(template):
        char = template[i]
        match = _PLACEHOLDER.match(template, i) if char == "<" else None
        if match and match.group(1) in values:
            value = values[match.group(1)]
            if in_string:
                text = "" if value is _NOTHING or value is None else (
                    value if isinstance(value, str) else json.dumps(value))
                out.append(json.dumps(text)[1:-1])
            else:
                out.append(json.dumps(None if value is _NOTHING else value))
            i = match.end()
            continue
        if char == "\\" and in_string and i + 1 < len(template):
            out.append(template[i:i + 2])
            i += 2
            continue
        if char == '"':
            in_string = not in_string
        out.append(char)
        i += 1
    return "".join(out)
