"""AWS::Kinesis::Stream through the kinesis API."""

from __future__ import annotations

from typing import Any

from infra.providers.base import Created, DeployContext, Provider, property_set, tags, undone_on_failure


def _create_stream(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    kinesis = ctx.client("kinesis")
    name = props.get("Name") or ctx.physical_name(logical_id, 128)
    kwargs: dict[str, Any] = {"StreamName": name}
    mode = (props.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
    kwargs["StreamModeDetails"] = {"StreamMode": mode}
    if mode == "PROVISIONED":
        kwargs["ShardCount"] = int(props.get("ShardCount", 1))
    kinesis.create_stream(**kwargs)
    with undone_on_failure(lambda: kinesis.delete_stream(StreamName=name, EnforceConsumerDeletion=True)):
        if "RetentionPeriodHours" in props:
            kinesis.increase_stream_retention_period(StreamName=name,
                                                     RetentionPeriodHours=int(props["RetentionPeriodHours"]))
        if props.get("Tags"):
            kinesis.add_tags_to_stream(StreamName=name, Tags={t["Key"]: t["Value"] for t in tags(props)})
        arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    return name, {"Arn": arn}


def _delete_stream(ctx: DeployContext, name: str, attrs: dict[str, Any]) -> None:
    ctx.client("kinesis").delete_stream(StreamName=name, EnforceConsumerDeletion=True)


PROVIDERS: dict[str, Provider] = {
    "AWS::Kinesis::Stream": Provider(property_set("Name", "ShardCount", "StreamModeDetails", "RetentionPeriodHours",
                                                  "Tags"), _create_stream, _delete_stream),
}
