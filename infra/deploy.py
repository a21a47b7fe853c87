"""Deploys one template to a target, and destroys what a deploy created.

embedded / local: the toolkit's own deployer realizes each resource through boto3 calls
(moto's CloudFormation skips several resource types in silence, so it is not used).
localstack / aws: the packaged template goes to the target's CloudFormation.
Either way the stack's record (resources, outputs) is kept in the artifacts bucket on the
target, so ``destroy`` and later commands find it.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from botocore.exceptions import WaiterError

from infra import template as templates
from infra.exceptions import DeployError, ToolkitError
from infra.intrinsics import Resolver, creation_order
from infra.parameters import resolve_parameters
from infra.providers import PROVIDERS, DeployContext
from infra.targets import Target

Progress = Callable[[str], None]
# LocalStack's CloudFormation marks a resource type it does not implement CREATE_COMPLETE with this
# reason (CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES, on by default) and creates nothing
FALLBACK_DEPLOYED = "is not supported but was deployed as a fallback"


@dataclass
class DeployedResource:
    logical_id: str
    type: str
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""  # of the type and resolved properties: an update keeps it when unchanged


@dataclass
class Stack:
    name: str
    target: str
    region: str
    account_id: str
    resources: list[DeployedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    deploy_seconds: float = 0.0
    deployed_by: str = "toolkit"  # "toolkit" (resource by resource through the APIs) or "cloudformation"

    def __getitem__(self, output: str) -> Any:
        """An output's value: ``stack["QueueUrl"]``."""
        try:
            return self.outputs[output]
        except KeyError:
            raise KeyError(f"{self.name} has no output {output!r} (it has: {', '.join(self.outputs) or 'none'})") \
                from None

    def resource(self, logical_id: str) -> DeployedResource:
        for resource in self.resources:
            if resource.logical_id == logical_id:
                return resource
        raise KeyError(logical_id)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "Stack":
        data = json.loads(text)
        data["resources"] = [DeployedResource(**r) for r in data["resources"]]
        return cls(**data)


def account_id(target: Target) -> str:
    return target.client("sts").get_caller_identity()["Account"]


def artifacts_bucket(target: Target, account: str) -> str:
    s3 = target.client("s3")
    name = f"toolkit-artifacts-{account}-{target.region}"
    try:
        s3.head_bucket(Bucket=name)
    except s3.exceptions.ClientError:
        kwargs: dict[str, Any] = {"Bucket": name}
        if target.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": target.region}
        s3.create_bucket(**kwargs)
    return name


def deploy(target: Target, template_path: Path, stack_name: str, parameters: dict[str, Any] | None = None,
           progress: Progress = lambda message: None) -> Stack:
    started = time.perf_counter()
    source = templates.load(template_path)
    values = resolve_parameters(source.get("Parameters", {}), parameters or {})  # before anything is created
    account = account_id(target)
    bucket = artifacts_bucket(target, account)
    s3 = target.client("s3")

    def upload(key: str, body: bytes) -> str:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        return f"s3://{bucket}/{key}"

    packaged = templates.package(source, template_path.parent, upload)
    if target.deploys_by_api:
        previous = _stack_record(target, bucket, stack_name)
        stack = _deploy_by_api(target, packaged, stack_name, account, values, progress, previous)
    else:
        stack = _deploy_by_cloudformation(target, packaged, stack_name, account, parameters or {}, progress)
    stack.deploy_seconds = time.perf_counter() - started
    s3.put_object(Bucket=bucket, Key=f"stacks/{stack_name}.json", Body=stack.to_json().encode())
    return stack


def load_stack(target: Target, stack_name: str) -> Stack:
    stack = _stack_record(target, f"toolkit-artifacts-{account_id(target)}-{target.region}", stack_name)
    if stack is None:
        raise ToolkitError(f"no stack named {stack_name} is deployed on the {target.name} target")
    return stack


def _stack_record(target: Target, bucket: str, stack_name: str) -> Stack | None:
    s3 = target.client("s3")
    try:
        body = s3.get_object(Bucket=bucket, Key=f"stacks/{stack_name}.json")["Body"].read()
    except s3.exceptions.ClientError:
        return None
    return Stack.from_json(body.decode())


def _deploy_by_api(target: Target, packaged: dict[str, Any], stack_name: str, account: str,
                   parameters: dict[str, Any], progress: Progress, previous: Stack | None = None) -> Stack:
    """Creates the stack's resources in dependency order; with the ``previous`` deployment of the
    same stack, updates it as CloudFormation does: a resource whose type and resolved properties
    are unchanged is kept, a changed one is replaced (the new one created before the old one is
    deleted), one no longer in the template is deleted. A failure removes what this deploy created
    and leaves the previous deployment as it was."""
    kept_before = {r.logical_id: r for r in previous.resources} if previous else {}
    pseudo = {"AWS::Region": target.region, "AWS::AccountId": account, "AWS::StackName": stack_name,
              "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
              "AWS::StackId": f"arn:aws:cloudformation:{target.region}:{account}:stack/{stack_name}/local"}
    values = parameters
    cfn = templates.to_cloudformation(packaged, {**values, **pseudo}, target.region)
    stack = Stack(stack_name, target.name, target.region, account)
    created: list[DeployedResource] = []
    resolver = Resolver({**pseudo, **values}, lambda lid, attr: _attribute(stack, lid, attr), cfn.get("Conditions"))
    for name in cfn.get("Parameters", {}):
        resolver.refs.setdefault(name, values.get(name))
    ctx = DeployContext(stack_name, target.region, account, target.client)
    resources = cfn.get("Resources", {})
    try:
        for logical_id in creation_order(resources):
            resource = resources[logical_id]
            if "Condition" in resource and not resolver.condition(resource["Condition"]):
                continue
            provider = PROVIDERS.get(resource["Type"])
            if provider is None:
                raise DeployError(logical_id, f"resource type {resource['Type']} is not supported on the "
                                              f"{target.name} target")
            props = resolver.resolve(resource.get("Properties", {}))
            unsupported = sorted(set(props) - provider.properties)
            if unsupported:
                raise DeployError(logical_id, f"{resource['Type']} properties {unsupported} are not supported "
                                              f"on the {target.name} target")
            fingerprint = _fingerprint(resource["Type"], props)
            old = kept_before.get(logical_id)
            if old is not None and old.fingerprint == fingerprint:
                progress(f"unchanged {logical_id} ({resource['Type']})")
                stack.resources.append(old)
                resolver.refs[logical_id] = old.physical_id
                continue
            progress(f"{'replacing' if old else 'creating'} {logical_id} ({resource['Type']})")
            try:
                physical_id, attributes = provider.create(ctx, logical_id, props)
            except DeployError:
                raise
            except Exception as exc:  # boto3 ClientError and moto's errors
                raise DeployError(logical_id, f"{resource['Type']} could not be created: {exc}") from exc
            created.append(DeployedResource(logical_id, resource["Type"], physical_id, attributes, fingerprint))
            stack.resources.append(created[-1])
            resolver.refs[logical_id] = physical_id
        stack.outputs = {name: resolver.resolve(output["Value"]) for name, output in cfn.get("Outputs", {}).items()
                         if "Condition" not in output or resolver.condition(output["Condition"])}
    except Exception:
        # a failed deploy rolls back what it created, like CloudFormation; a previous one stays
        _delete_resources(target, replace(stack, resources=created), progress)
        raise
    if previous is not None:
        still_used = {id(r) for r in stack.resources}
        _delete_resources(target, replace(previous, resources=[r for r in previous.resources
                                                              if id(r) not in still_used]), progress)
    return stack


def _fingerprint(resource_type: str, props: dict[str, Any]) -> str:
    text = json.dumps({"Type": resource_type, "Properties": props}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _attribute(stack: Stack, logical_id: str, attribute: str) -> Any:
    try:
        resource = stack.resource(logical_id)
    except KeyError:
        raise DeployError(logical_id, f"Fn::GetAtt {logical_id}.{attribute} before it exists") from None
    if attribute not in resource.attributes:
        raise DeployError(logical_id, f"attribute {attribute} is not available for {resource.type}")
    return resource.attributes[attribute]


def _deploy_by_cloudformation(target: Target, packaged: dict[str, Any], stack_name: str, account: str,
                              parameters: dict[str, Any], progress: Progress) -> Stack:
    cfn = target.client("cloudformation")
    request = {"StackName": stack_name, "TemplateBody": json.dumps(packaged),
               "Parameters": [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in parameters.items()],
               "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]}
    status = _stack_status(cfn, stack_name)
    if status == "ROLLBACK_COMPLETE":  # a stack whose creation failed can only be deleted
        _delete_cloudformation_stack(target, stack_name)
        status = None
    if status is None:
        progress(f"creating CloudFormation stack {stack_name}")
        cfn.create_stack(**request)
        _wait(target, cfn, stack_name, "stack_create_complete", "failed to create")
    else:
        progress(f"updating CloudFormation stack {stack_name} ({status})")
        try:
            cfn.update_stack(**request)
        except cfn.exceptions.ClientError as exc:
            if "No updates are to be performed" not in str(exc):
                raise ToolkitError(f"stack {stack_name} could not be updated: {exc}") from exc
        else:
            _wait(target, cfn, stack_name, "stack_update_complete", "failed to update")
    description = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    stack = Stack(stack_name, target.name, target.region, account, deployed_by="cloudformation")
    faked = []
    for summary in cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for item in summary["StackResourceSummaries"]:
            stack.resources.append(DeployedResource(item["LogicalResourceId"], item["ResourceType"],
                                                    item.get("PhysicalResourceId", "")))
            if FALLBACK_DEPLOYED in (item.get("ResourceStatusReason") or ""):
                faked.append(item)
    if faked:  # a half-built stack is no deployment: remove it and say what the target lacks
        _delete_cloudformation_stack(target, stack_name)
        types = sorted({item["ResourceType"] for item in faked})
        raise DeployError(faked[0]["LogicalResourceId"],
                          f"{target.name} does not implement {', '.join(types)} (its CloudFormation reported "
                          f"{len(faked)} such resources complete without creating them: "
                          f"{', '.join(item['LogicalResourceId'] for item in faked)}); the stack was removed")
    stack.outputs = {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}
    return stack


def _stack_status(cfn: Any, stack_name: str) -> str | None:
    """The status of a live stack of that name; None when there is none."""
    try:
        stacks = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    except cfn.exceptions.ClientError:
        return None
    live = [s["StackStatus"] for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"]
    return live[0] if live else None


def _wait(target: Target, cfn: Any, stack_name: str, waiter: str, failed: str) -> None:
    try:
        cfn.get_waiter(waiter).wait(StackName=stack_name, WaiterConfig=_waiter_config(target))
    except WaiterError as exc:
        raise ToolkitError(f"stack {stack_name} {failed}: {_failure_reason(cfn, stack_name)}") from exc


def _delete_cloudformation_stack(target: Target, stack_name: str) -> None:
    cfn = target.client("cloudformation")
    cfn.delete_stack(StackName=stack_name)
    _wait(target, cfn, stack_name, "stack_delete_complete", "could not be deleted")


def _waiter_config(target: Target, patience_seconds: float = 1800.0) -> dict[str, float]:
    """How often to ask CloudFormation whether a stack is done: a local LocalStack settles in
    about a second, so it is asked often; AWS takes minutes, so it is asked less."""
    delay = target.stack_poll_seconds
    return {"Delay": delay, "MaxAttempts": int(patience_seconds / delay)}


def _failure_reason(cfn: Any, stack_name: str) -> str:
    """The first resource that failed, from the stack's events (oldest first)."""
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    failed = [e for e in reversed(events) if e["ResourceStatus"].endswith("FAILED")]
    if not failed:
        return "no resource reported a failure"
    return f"{failed[0]['LogicalResourceId']}: {failed[0].get('ResourceStatusReason')}"


def destroy(target: Target, stack_name: str, progress: Progress = lambda message: None) -> Stack:
    stack = load_stack(target, stack_name)
    if stack.deployed_by == "toolkit":
        _delete_resources(target, stack, progress)
    else:
        _delete_cloudformation_stack(target, stack_name)
    s3 = target.client("s3")
    bucket = f"toolkit-artifacts-{stack.account_id}-{target.region}"
    s3.delete_object(Bucket=bucket, Key=f"stacks/{stack_name}.json")
    return stack


def _delete_resources(target: Target, stack: Stack, progress: Progress) -> None:
    ctx = DeployContext(stack.name, target.region, stack.account_id, target.client)
    errors = []
    for resource in reversed(stack.resources):
        progress(f"deleting {resource.logical_id} ({resource.type})")
        try:
            PROVIDERS[resource.type].delete(ctx, resource.physical_id, resource.attributes)
        except Exception as exc:  # keep deleting the rest, then report
            errors.append(f"{resource.logical_id}: {exc}")
    if errors:
        raise ToolkitError("some resources could not be deleted: " + "; ".join(errors))
