"""How the embedded deployer realizes each CloudFormation resource type through boto3.

Every provider lists the properties it realizes; a resource with any other property, or of a
type with no provider, fails the deploy with its logical id — nothing is skipped in silence.
"""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from infra.exceptions import DeployError

Created = tuple[str, dict[str, Any]]  # physical id, attributes (Fn::GetAtt)


@dataclass
class DeployContext:
    stack_name: str
    region: str
    account_id: str
    client: Callable[[str], Any]

    def physical_name(self, logical_id: str, max_length: int = 64, lower: bool = False) -> str:
        suffix = uuid.uuid4().hex[:8]
        name = f"{self.stack_name}-{logical_id}"[: max_length - 9] + f"-{suffix}"
        return name.lower() if lower else name

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"


@dataclass(frozen=True)
class Provider:
    properties: frozenset[str]
    create: Callable[[DeployContext, str, dict[str, Any]], Created]
    delete: Callable[[DeployContext, str, dict[str, Any]], None]


@contextmanager
def _undone_on_failure(undo: Callable[[], None]) -> Iterator[None]:
    """A resource made in several calls: when a later call fails, delete what the first made
    (the deploy only rolls back resources that were created completely)."""
    try:
        yield
    except Exception:
        try:
            undo()
        except Exception:  # noqa: BLE001 - the original error is the one to report
            pass
        raise


def _tags(props: dict[str, Any]) -> list[dict[str, str]]:
    tags = props.get("Tags", [])
    return [{"Key": k, "Value": v} for k, v in tags.items()] if isinstance(tags, dict) else tags


# -- IAM --------------------------------------------------------------------------------------
def _create_role(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    iam = ctx.client("iam")
    name = props.get("RoleName") or ctx.physical_name(logical_id)
    role = iam.create_role(RoleName=name, Path=props.get("Path", "/"),
                           AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"]),
                           Tags=_tags(props))["Role"]
    with _undone_on_failure(lambda: _delete_role(ctx, name, {})):
        for arn in props.get("ManagedPolicyArns", []):
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        for policy in props.get("Policies", []):
            # IAM defaults a missing Version; moto rejects it, so state the default explicitly
            document = {"Version": "2012-10-17", **policy["PolicyDocument"]}
            iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(document))
    return name, {"Arn": role["Arn"], "RoleId": role["RoleId"]}


def _delete_role(ctx: DeployContext, name: str, attrs: dict[str, Any]) -> None:
    iam = ctx.client("iam")
    for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    iam.delete_role(RoleName=name)


# -- Lambda -----------------------------------------------------------------------------------
def _create_function(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("FunctionName") or ctx.physical_name(logical_id)
    code = props["Code"]
    if "ZipFile" in code:
        raise DeployError(logical_id, "inline ZipFile code is not supported: use CodeUri with a folder")
    kwargs: dict[str, Any] = {
        "FunctionName": name, "Runtime": props.get("Runtime", "python3.12"), "Role": props["Role"],
        "Handler": props["Handler"], "Code": {"S3Bucket": code["S3Bucket"], "S3Key": code["S3Key"]},
        "Timeout": int(props.get("Timeout", 3)), "MemorySize": int(props.get("MemorySize", 128)),
        "Publish": False,
    }
    for key in ("Description", "Environment", "Architectures", "Layers", "DeadLetterConfig", "TracingConfig",
                "EphemeralStorage", "LoggingConfig"):
        if key in props:
            kwargs[key] = props[key]
    if "Tags" in props:
        kwargs["Tags"] = {t["Key"]: t["Value"] for t in _tags(props)}
    fn = ctx.client("lambda").create_function(**kwargs)
    if "ReservedConcurrentExecutions" in props:
        with _undone_on_failure(lambda: ctx.client("lambda").delete_function(FunctionName=name)):
            ctx.client("lambda").put_function_concurrency(
                FunctionName=name, ReservedConcurrentExecutions=int(props["ReservedConcurrentExecutions"]))
    return name, {"Arn": fn["FunctionArn"]}


def _create_permission(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    statement_id = ctx.physical_name(logical_id, 100)
    kwargs = {"FunctionName": props["FunctionName"], "StatementId": statement_id,
              "Action": props["Action"], "Principal": props["Principal"]}
    for key in ("SourceArn", "SourceAccount"):
        if key in props:
            kwargs[key] = props[key]
    ctx.client("lambda").add_permission(**kwargs)
    return statement_id, {"FunctionName": props["FunctionName"]}


def _delete_permission(ctx: DeployContext, statement_id: str, attrs: dict[str, Any]) -> None:
    ctx.client("lambda").remove_permission(FunctionName=attrs["FunctionName"], StatementId=statement_id)


def _create_mapping(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    kwargs = {key: props[key] for key in (
        "EventSourceArn", "FunctionName", "BatchSize", "MaximumBatchingWindowInSeconds", "Enabled",
        "FunctionResponseTypes", "StartingPosition", "ScalingConfig", "FilterCriteria") if key in props}
    # CloudFormation converts to the property's type; a Ref to a parameter is a string
    for key in ("BatchSize", "MaximumBatchingWindowInSeconds"):
        if key in kwargs:
            kwargs[key] = int(kwargs[key])
    if "Enabled" in kwargs:
        kwargs["Enabled"] = str(kwargs["Enabled"]).lower() == "true"
    esm = ctx.client("lambda").create_event_source_mapping(**kwargs)
    return esm["UUID"], {"Id": esm["UUID"]}


def _delete_mapping(ctx: DeployContext, uuid_: str, attrs: dict[str, Any]) -> None:
    ctx.client("lambda").delete_event_source_mapping(UUID=uuid_)


# -- SQS / SNS --------------------------------------------------------------------------------
_QUEUE_ATTRIBUTES = ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "MaximumMessageSize",
                     "ReceiveMessageWaitTimeSeconds", "FifoQueue", "ContentBasedDeduplication",
                     "DeduplicationScope", "FifoThroughputLimit", "SqsManagedSseEnabled")


def _create_queue(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    fifo = str(props.get("FifoQueue", "false")).lower() == "true"
    name = props.get("QueueName") or ctx.physical_name(logical_id, 75 if fifo else 80) + (".fifo" if fifo else "")
    attributes = {key: str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
                  for key in _QUEUE_ATTRIBUTES if key in props}
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if key in props:
            attributes[key] = json.dumps(props[key])
    sqs = ctx.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes,
                           tags={t["Key"]: t["Value"] for t in _tags(props)})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, {"Arn": arn, "QueueName": name, "QueueUrl": url}


def _create_queue_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    for url in props["Queues"]:
        ctx.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])})
    return ctx.physical_name(logical_id), {"Queues": props["Queues"]}


def _delete_queue_policy(ctx: DeployContext, physical_id: str, attrs: dict[str, Any]) -> None:
    for url in attrs["Queues"]:
        ctx.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})


def _create_topic(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    fifo = str(props.get("FifoTopic", "false")).lower() == "true"
    name = props.get("TopicName") or ctx.physical_name(logical_id, 251 if fifo else 256) + (".fifo" if fifo else "")
    attributes = {}
    if fifo:
        attributes["FifoTopic"] = "true"
    if "ContentBasedDeduplication" in props:
        attributes["ContentBasedDeduplication"] = str(props["ContentBasedDeduplication"]).lower()
    if "DisplayName" in props:
        attributes["DisplayName"] = props["DisplayName"]
    sns = ctx.client("sns")
    arn = sns.create_topic(Name=name, Attributes=attributes, Tags=_tags(props))["TopicArn"]
    with _undone_on_failure(lambda: sns.delete_topic(TopicArn=arn)):
        for subscription in props.get("Subscription", []):
            sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])
    return arn, {"TopicArn": arn, "TopicName": name}


def _create_subscription(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    attributes = {}
    for key in ("RawMessageDelivery", "FilterPolicyScope"):
        if key in props:
            attributes[key] = str(props[key]).lower() if key == "RawMessageDelivery" else props[key]
    for key in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
        if key in props:
            attributes[key] = json.dumps(props[key]) if not isinstance(props[key], str) else props[key]
    arn = ctx.client("sns").subscribe(TopicArn=props["TopicArn"], Protocol=props["Protocol"],
                                      Endpoint=props["Endpoint"], Attributes=attributes,
                                      ReturnSubscriptionArn=True)["SubscriptionArn"]
    return arn, {"Arn": arn}


def _create_topic_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    for arn in props["Topics"]:
        ctx.client("sns").set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                                               AttributeValue=json.dumps(props["PolicyDocument"]))
    return ctx.physical_name(logical_id), {}


# -- S3 ---------------------------------------------------------------------------------------
def _create_bucket(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    s3 = ctx.client("s3")
    name = props.get("BucketName") or ctx.physical_name(logical_id, 63, lower=True)
    notifications = (_notification_configuration(logical_id, props["NotificationConfiguration"])
                     if props.get("NotificationConfiguration") else None)
    kwargs: dict[str, Any] = {"Bucket": name}
    if ctx.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
    s3.create_bucket(**kwargs)
    with _undone_on_failure(lambda: _delete_bucket(ctx, name, {})):
        if props.get("VersioningConfiguration"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
        if notifications is not None:
            s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=notifications)
        if props.get("Tags"):
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tags(props)})
    return name, {"Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com",
                  "RegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com"}


def _notification_configuration(logical_id: str, config: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's notification shape -> the S3 API's (Topic/Queue/Function + key filters)."""
    # CloudFormation list -> (its target key, the S3 API's list, the S3 API's target key)
    kinds = {"TopicConfigurations": ("Topic", "TopicConfigurations", "TopicArn"),
             "QueueConfigurations": ("Queue", "QueueConfigurations", "QueueArn"),
             "LambdaConfigurations": ("Function", "LambdaFunctionConfigurations", "LambdaFunctionArn")}
    result: dict[str, Any] = {}
    for kind, (cfn_key, api_list, api_key) in kinds.items():
        for entry in config.get(kind, []):
            item: dict[str, Any] = {api_key: entry[cfn_key], "Events": [entry["Event"]]}
            rules = entry.get("Filter", {}).get("S3Key", {}).get("Rules")
            if rules:
                item["Filter"] = {"Key": {"FilterRules": rules}}
            result.setdefault(api_list, []).append(item)
    unknown = set(config) - set(kinds)
    if unknown:
        raise DeployError(logical_id, f"NotificationConfiguration keys {sorted(unknown)} are not supported")
    return result


def _delete_bucket(ctx: DeployContext, name: str, attrs: dict[str, Any]) -> None:
    s3 = ctx.client("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
        objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                   for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if objects:
            s3.delete_objects(Bucket=name, Delete={"Objects": objects, "Quiet": True})
    s3.delete_bucket(Bucket=name)


# -- Logs, DynamoDB ---------------------------------------------------------------------------
def _create_log_group(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("LogGroupName") or ctx.physical_name(logical_id, 512)
    logs = ctx.client("logs")
    logs.create_log_group(logGroupName=name)
    if "RetentionInDays" in props:
        with _undone_on_failure(lambda: logs.delete_log_group(logGroupName=name)):
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))
    return name, {"Arn": ctx.arn("logs", f"log-group:{name}:*")}


def _create_table(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("TableName") or ctx.physical_name(logical_id, 255)
    kwargs = {key: props[key] for key in ("AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput",
                                          "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification")
              if key in props}
    if "StreamSpecification" in kwargs:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, **kwargs["StreamSpecification"]}
    ddb = ctx.client("dynamodb")
    table = ddb.create_table(TableName=name, **kwargs)["TableDescription"]
    if props.get("TimeToLiveSpecification"):
        with _undone_on_failure(lambda: ddb.delete_table(TableName=name)):
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"])
    attrs = {"Arn": table["TableArn"]}
    if table.get("LatestStreamArn"):
        attrs["StreamArn"] = table["LatestStreamArn"]
    return name, attrs


def _deleter(client: str, method: str, key: str) -> Callable[[DeployContext, str, dict[str, Any]], None]:
    def delete(ctx: DeployContext, physical_id: str, attrs: dict[str, Any]) -> None:
        getattr(ctx.client(client), method)(**{key: physical_id})
    return delete


def _no_delete(ctx: DeployContext, physical_id: str, attrs: dict[str, Any]) -> None:
    """Deleted with the resource it configures."""


def _props(*names: str) -> frozenset[str]:
    return frozenset(names)


PROVIDERS: dict[str, Provider] = {
    "AWS::IAM::Role": Provider(_props("AssumeRolePolicyDocument", "ManagedPolicyArns", "Policies", "RoleName", "Path",
                                      "Tags"), _create_role, _delete_role),
    "AWS::Lambda::Function": Provider(_props(
        "Code", "Handler", "Role", "Runtime", "Timeout", "MemorySize", "Environment", "FunctionName", "Description",
        "Architectures", "Tags", "DeadLetterConfig", "TracingConfig", "ReservedConcurrentExecutions",
        "EphemeralStorage", "LoggingConfig"), _create_function, _deleter("lambda", "delete_function", "FunctionName")),
    "AWS::Lambda::Permission": Provider(_props("Action", "FunctionName", "Principal", "SourceArn", "SourceAccount"),
                                        _create_permission, _delete_permission),
    "AWS::Lambda::EventSourceMapping": Provider(_props(
        "EventSourceArn", "FunctionName", "BatchSize", "MaximumBatchingWindowInSeconds", "Enabled",
        "FunctionResponseTypes", "StartingPosition", "ScalingConfig", "FilterCriteria"), _create_mapping, _delete_mapping),
    "AWS::SQS::Queue": Provider(_props(*_QUEUE_ATTRIBUTES, "QueueName", "RedrivePolicy", "RedriveAllowPolicy", "Tags"),
                                _create_queue, _deleter("sqs", "delete_queue", "QueueUrl")),
    "AWS::SQS::QueuePolicy": Provider(_props("PolicyDocument", "Queues"), _create_queue_policy, _delete_queue_policy),
    "AWS::SNS::Topic": Provider(_props("TopicName", "FifoTopic", "ContentBasedDeduplication", "DisplayName",
                                       "Subscription", "Tags"), _create_topic, _deleter("sns", "delete_topic", "TopicArn")),
    "AWS::SNS::Subscription": Provider(_props("TopicArn", "Protocol", "Endpoint", "RawMessageDelivery", "FilterPolicy",
                                              "FilterPolicyScope", "RedrivePolicy", "DeliveryPolicy"),
                                       _create_subscription, _deleter("sns", "unsubscribe", "SubscriptionArn")),
    "AWS::SNS::TopicPolicy": Provider(_props("PolicyDocument", "Topics"), _create_topic_policy, _no_delete),
    "AWS::S3::Bucket": Provider(_props("BucketName", "NotificationConfiguration", "VersioningConfiguration", "Tags"),
                                _create_bucket, _delete_bucket),
    "AWS::Logs::LogGroup": Provider(_props("LogGroupName", "RetentionInDays"), _create_log_group,
                                    _deleter("logs", "delete_log_group", "logGroupName")),
    "AWS::DynamoDB::Table": Provider(_props(
        "TableName", "AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput",
        "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification", "TimeToLiveSpecification"),
        _create_table, _deleter("dynamodb", "delete_table", "TableName")),
}
