"""CloudFormation intrinsic functions, conditions and resource dependencies."""

from __future__ import annotations

import re
from typing import Any, Callable

from infra.exceptions import DeployError

NO_VALUE = object()
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


def references(node: Any) -> set[str]:
    """Logical ids that ``node`` refers to through Ref, Fn::GetAtt and Fn::Sub."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".", 1)[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                local_vars = value[1] if isinstance(value, list) and len(value) > 1 else {}
                for name in _SUB_VAR.findall(text):
                    base = name.split(".", 1)[0]
                    if base not in local_vars:
                        found.add(base)
                found |= references(local_vars)
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def creation_order(resources: dict[str, Any]) -> list[str]:
    """Resources in dependency order (Ref/GetAtt/Sub/DependsOn); a cycle is an error."""
    deps: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends_on = resource.get("DependsOn", [])
        depends_on = [depends_on] if isinstance(depends_on, str) else depends_on
        deps[logical_id] = (references(resource.get("Properties", {})) | set(depends_on)) & set(resources)
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(node: str) -> None:
        if state.get(node) == "done":
            return
        if state.get(node) == "visiting":
            raise DeployError(node, "circular dependency between resources")
        state[node] = "visiting"
        for dep in sorted(deps[node]):
            visit(dep)
        state[node] = "done"
        order.append(node)

    for logical_id in resources:
        visit(logical_id)
    return order


class Resolver:
    """Evaluates intrinsics against parameters, pseudo parameters and deployed resources."""

    def __init__(self, refs: dict[str, Any], get_att: Callable[[str, str], Any],
                 conditions: dict[str, Any] | None = None) -> None:
        self.refs = refs
        self.get_att = get_att
        self.condition_defs = conditions or {}
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self.condition_defs:
                raise DeployError(name, "unknown condition")
            self._conditions[name] = bool(self.resolve(self.condition_defs[name]))
        return self._conditions[name]

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, value), = node.items()
            handler = _FUNCTIONS.get(key)
            if handler is not None:
                return handler(self, value)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name not in self.refs:
            raise DeployError(name, "Ref to an unknown parameter or resource")
        return self.refs[name]

    def sub(self, value: Any) -> str:
        text, local_vars = (value[0], self.resolve(value[1])) if isinstance(value, list) else (value, {})

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in local_vars:
                return str(local_vars[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return _SUB_VAR.sub(replace, text).replace("${!", "${")


def _get_att(resolver: Resolver, value: Any) -> Any:
    logical_id, attribute = value if isinstance(value, list) else value.split(".", 1)
    return resolver.get_att(logical_id, resolver.resolve(attribute))


def _join(resolver: Resolver, value: Any) -> str:
    separator, items = value
    return str(separator).join(str(item) for item in resolver.resolve(items))


def _select(resolver: Resolver, value: Any) -> Any:
    index, items = resolver.resolve(value)
    return items[int(index)]


def _split(resolver: Resolver, value: Any) -> list[str]:
    separator, text = resolver.resolve(value)
    return str(text).split(separator)


def _if(resolver: Resolver, value: Any) -> Any:
    name, when_true, when_false = value
    return resolver.resolve(when_true if resolver.condition(name) else when_false)


def _unsupported(name: str) -> Callable[[Resolver, Any], Any]:
    def fail(resolver: Resolver, value: Any) -> Any:
        raise DeployError(name, "this intrinsic function is not supported by the embedded deployer")
    return fail


_FUNCTIONS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": lambda r, v: r.ref(v),
    "Fn::GetAtt": _get_att,
    "Fn::Sub": lambda r, v: r.sub(v),
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": lambda r, v: r.resolve(v[0]) == r.resolve(v[1]),
    "Fn::Not": lambda r, v: not r.resolve(v[0]),
    "Fn::And": lambda r, v: all(r.resolve(item) for item in v),
    "Fn::Or": lambda r, v: any(r.resolve(item) for item in v),
    "Condition": lambda r, v: r.condition(v),
    "Fn::GetAZs": lambda r, v: [f"{r.refs['AWS::Region']}{zone}" for zone in "abc"],
    "Fn::ToJsonString": lambda r, v: __import__("json").dumps(r.resolve(v)),
    "Fn::ImportValue": _unsupported("Fn::ImportValue"),
    "Fn::FindInMap": _unsupported("Fn::FindInMap"),
}
