"""AWS::StepFunctions::StateMachine through the stepfunctions API (SAM's
``AWS::Serverless::StateMachine`` becomes one, with ``DefinitionSubstitutions``)."""

from __future__ import annotations

import json
from typing import Any

from infra.exceptions import DeployError
from infra.providers.base import Created, DeployContext, Provider, deleter, property_set, tags


def _definition(logical_id: str, props: dict[str, Any]) -> str:
    if ("Definition" in props) == ("DefinitionString" in props):
        raise DeployError(logical_id, "a state machine needs exactly one of Definition and DefinitionString")
    text = props["DefinitionString"] if "DefinitionString" in props else json.dumps(props["Definition"])
    for name, value in props.get("DefinitionSubstitutions", {}).items():
        text = text.replace("${" + name + "}", str(value))
    try:
        json.loads(text)
    except ValueError as exc:
        raise DeployError(logical_id, f"the state machine definition is not JSON: {exc}") from exc
    return text


def _create_state_machine(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("StateMachineName") or ctx.physical_name(logical_id, 80)
    kwargs: dict[str, Any] = {"name": name, "definition": _definition(logical_id, props), "roleArn": props["RoleArn"],
                              "type": props.get("StateMachineType", "STANDARD")}
    for key, api_key in (("LoggingConfiguration", "loggingConfiguration"),
                         ("TracingConfiguration", "tracingConfiguration")):
        if key in props:
            kwargs[api_key] = {k[0].lower() + k[1:]: v for k, v in props[key].items()}
    if props.get("Tags"):
        kwargs["tags"] = [{"key": t["Key"], "value": t["Value"]} for t in tags(props)]
    arn = ctx.client("stepfunctions").create_state_machine(**kwargs)["stateMachineArn"]
    return arn, {"Arn": arn, "Name": name}


PROVIDERS: dict[str, Provider] = {
    "AWS::StepFunctions::StateMachine": Provider(property_set(
        "Definition", "DefinitionString", "DefinitionSubstitutions", "RoleArn", "StateMachineName",
        "StateMachineType", "LoggingConfiguration", "TracingConfiguration", "Tags"),
        _create_state_machine, deleter("stepfunctions", "delete_state_machine", "stateMachineArn")),
}
