"""How the embedded deployer realizes the core CloudFormation resource types (IAM, Lambda, SQS,
SNS, S3, Logs, DynamoDB) through boto3.

Every provider lists the properties it realizes; a resource with any other property, or of a
type with no provider, fails the deploy with its logical id — nothing is skipped in silence.
"""

from __future__ import annotations

import json
from typing import Any

from infra.compute.sources import UnsupportedEventSourceError, check_mapping
from infra.exceptions import DeployError
from infra.providers.base import (Created, DeployContext, Provider, deleter, no_delete, property_set, tags,
                                  undone_on_failure)

# -- IAM --------------------------------------------------------------------------------------
def _create_role(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    iam = ctx.client("iam")
    name = props.get("RoleName") or ctx.physical_name(logical_id)
    role = iam.create_role(RoleName=name, Path=props.get("Path", "/"),
                           AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"]),
                           Tags=tags(props))["Role"]
    with undone_on_failure(lambda: _delete_role(ctx, name, {})):
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
        kwargs["Tags"] = {t["Key"]: t["Value"] for t in tags(props)}
    fn = ctx.client("lambda").create_function(**kwargs)
    if "ReservedConcurrentExecutions" in props:
        with undone_on_failure(lambda: ctx.client("lambda").delete_function(FunctionName=name)):
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


_MAPPING_PROPERTIES = (
    "EventSourceArn", "FunctionName", "BatchSize", "MaximumBatchingWindowInSeconds", "Enabled",
    "FunctionResponseTypes", "StartingPosition", "StartingPositionTimestamp", "ScalingConfig", "FilterCriteria",
    "BisectBatchOnFunctionError", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "ParallelizationFactor",
    "TumblingWindowInSeconds", "DestinationConfig")
_MAPPING_INTEGERS = ("BatchSize", "MaximumBatchingWindowInSeconds", "MaximumRetryAttempts",
                     "MaximumRecordAgeInSeconds", "ParallelizationFactor", "TumblingWindowInSeconds")


def _create_mapping(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    kwargs = {key: props[key] for key in _MAPPING_PROPERTIES if key in props}
    # CloudFormation converts to the property's type; a Ref to a parameter is a string
    for key in _MAPPING_INTEGERS:
        if key in kwargs:
            kwargs[key] = int(kwargs[key])
    if "StartingPositionTimestamp" in kwargs:
        kwargs["StartingPositionTimestamp"] = float(kwargs["StartingPositionTimestamp"])
    for key in ("Enabled", "BisectBatchOnFunctionError"):
        if key in kwargs:
            kwargs[key] = str(kwargs[key]).lower() == "true"
    try:  # this deployer serves targets whose compute plane is the toolkit's (embedded, up)
        check_mapping(kwargs)
    except UnsupportedEventSourceError as exc:
        raise DeployError(logical_id, str(exc)) from exc
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
                           tags={t["Key"]: t["Value"] for t in tags(props)})["QueueUrl"]
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
    arn = sns.create_topic(Name=name, Attributes=attributes, Tags=tags(props))["TopicArn"]
    with undone_on_failure(lambda: sns.delete_topic(TopicArn=arn)):
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
    with undone_on_failure(lambda: _delete_bucket(ctx, name, {})):
        if props.get("VersioningConfiguration"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
        if notifications is not None:
            s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=notifications)
        if props.get("Tags"):
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags(props)})
        if props.get("PublicAccessBlockConfiguration"):
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
                key: str(value).lower() == "true" for key, value in props["PublicAccessBlockConfiguration"].items()})
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


def _create_bucket_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ctx.client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(props["PolicyDocument"]))
    return props["Bucket"], {}


# -- Logs, DynamoDB ---------------------------------------------------------------------------
def _create_log_group(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("LogGroupName") or ctx.physical_name(logical_id, 512)
    logs = ctx.client("logs")
    logs.create_log_group(logGroupName=name)
    if "RetentionInDays" in props:
        with undone_on_failure(lambda: logs.delete_log_group(logGroupName=name)):
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
        with undone_on_failure(lambda: ddb.delete_table(TableName=name)):
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"])
    attrs = {"Arn": table["TableArn"]}
    if table.get("LatestStreamArn"):
        attrs["StreamArn"] = table["LatestStreamArn"]
    return name, attrs


PROVIDERS: dict[str, Provider] = {
    "AWS::IAM::Role": Provider(property_set("AssumeRolePolicyDocument", "ManagedPolicyArns", "Policies", "RoleName", "Path",
                                      "Tags"), _create_role, _delete_role),
    "AWS::Lambda::Function": Provider(property_set(
        "Code", "Handler", "Role", "Runtime", "Timeout", "MemorySize", "Environment", "FunctionName", "Description",
        "Architectures", "Tags", "DeadLetterConfig", "TracingConfig", "ReservedConcurrentExecutions",
        "EphemeralStorage", "LoggingConfig"), _create_function, deleter("lambda", "delete_function", "FunctionName")),
    "AWS::Lambda::Permission": Provider(property_set("Action", "FunctionName", "Principal", "SourceArn", "SourceAccount"),
                                        _create_permission, _delete_permission),
    "AWS::Lambda::EventSourceMapping": Provider(property_set(*_MAPPING_PROPERTIES), _create_mapping, _delete_mapping),
    "AWS::SQS::Queue": Provider(property_set(*_QUEUE_ATTRIBUTES, "QueueName", "RedrivePolicy", "RedriveAllowPolicy", "Tags"),
                                _create_queue, deleter("sqs", "delete_queue", "QueueUrl")),
    "AWS::SQS::QueuePolicy": Provider(property_set("PolicyDocument", "Queues"), _create_queue_policy, _delete_queue_policy),
    "AWS::SNS::Topic": Provider(property_set("TopicName", "FifoTopic", "ContentBasedDeduplication", "DisplayName",
                                       "Subscription", "Tags"), _create_topic, deleter("sns", "delete_topic", "TopicArn")),
    "AWS::SNS::Subscription": Provider(property_set("TopicArn", "Protocol", "Endpoint", "RawMessageDelivery", "FilterPolicy",
                                              "FilterPolicyScope", "RedrivePolicy", "DeliveryPolicy"),
                                       _create_subscription, deleter("sns", "unsubscribe", "SubscriptionArn")),
    "AWS::SNS::TopicPolicy": Provider(property_set("PolicyDocument", "Topics"), _create_topic_policy, no_delete),
    "AWS::S3::Bucket": Provider(property_set("BucketName", "NotificationConfiguration", "VersioningConfiguration", "Tags",
                                             "PublicAccessBlockConfiguration"), _create_bucket, _delete_bucket),
    "AWS::S3::BucketPolicy": Provider(property_set("Bucket", "PolicyDocument"), _create_bucket_policy,
                                      deleter("s3", "delete_bucket_policy", "Bucket")),
    "AWS::Logs::LogGroup": Provider(property_set("LogGroupName", "RetentionInDays"), _create_log_group,
                                    deleter("logs", "delete_log_group", "logGroupName")),
    "AWS::DynamoDB::Table": Provider(property_set(
        "TableName", "AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput",
        "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification", "TimeToLiveSpecification"),
        _create_table, deleter("dynamodb", "delete_table", "TableName")),
}
