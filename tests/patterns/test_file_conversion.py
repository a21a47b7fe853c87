"""The file-conversion pattern end to end on the embedded target: real uploads, real handlers."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from PIL import Image

from functions.file_conversion.fileconv import samples
from infra.cloud import Cloud
from infra.compute.clock import VirtualClock


@pytest.fixture(scope="module")
def pipeline():
    cloud = Cloud.embedded(clock=VirtualClock())
    # every cloud in this module shares moto's state with this one: each test's stack has its own name
    stack = cloud.deploy("file-conversion", parameters={"MaxInputBytes": "2000000"}, stack_name="file-conversion-pipeline")
    yield cloud, stack
    cloud.close()


def upload(pipeline, key: str, body: bytes) -> None:
    cloud, stack = pipeline
    cloud.client("s3").put_object(Bucket=stack.outputs["UploadBucketName"], Key=key, Body=body)
    cloud.drain()


def output(pipeline, key: str) -> bytes:
    cloud, stack = pipeline
    return cloud.client("s3").get_object(Bucket=stack.outputs["OutputBucketName"], Key=key)["Body"].read()


def failure(pipeline, conversion: str, key: str) -> dict:
    return json.loads(output(pipeline, f"failed/{conversion}/{key}.json"))


def keys_under(pipeline, prefix: str) -> list[str]:
    cloud, stack = pipeline
    listing = cloud.client("s3").list_objects_v2(Bucket=stack.outputs["OutputBucketName"], Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]


def dlq_depth(pipeline) -> int:
    cloud, stack = pipeline
    sqs = cloud.client("sqs")
    return sum(int(sqs.get_queue_attributes(QueueUrl=stack.outputs[name], AttributeNames=["ApproximateNumberOfMessages"])
                   ["Attributes"]["ApproximateNumberOfMessages"]) for name in ("ThumbnailDLQUrl", "PngToJpegDLQUrl", "ZipDLQUrl"))


def test_png_upload_produces_thumbnail_jpeg_and_zip(pipeline):
    original = samples.make_png(1000, 500)
    upload(pipeline, "e2e/wide.png", original)
    thumb = Image.open(io.BytesIO(output(pipeline, "thumbnails/e2e/wide.png")))
    assert thumb.size == (300, 150)
    jpeg = Image.open(io.BytesIO(output(pipeline, "jpeg/e2e/wide.jpg")))
    assert jpeg.format == "JPEG" and jpeg.size == (1000, 500)
    with zipfile.ZipFile(io.BytesIO(output(pipeline, "zip/e2e/wide.png.zip"))) as archive:
        assert archive.read("wide.png") == original


def test_keys_with_spaces_and_unicode_convert(pipeline):
    upload(pipeline, "e2e/mon chat é ü 猫.png", samples.make_png(400, 800))
    assert Image.open(io.BytesIO(output(pipeline, "thumbnails/e2e/mon chat é ü 猫.png"))).size == (150, 300)
    assert output(pipeline, "jpeg/e2e/mon chat é ü 猫.jpg")[:2] == b"\xff\xd8"


@pytest.mark.parametrize("key, body, conversions, reason", [
    ("bad/notes.txt", samples.not_an_image(), ("thumbnail", "png-to-jpeg"), "not an image"),
    ("bad/truncated.png", samples.truncated_png(), ("thumbnail", "png-to-jpeg"), "truncated"),
    ("bad/bomb.png", samples.decompression_bomb_png(20_000, 20_000), ("thumbnail", "png-to-jpeg"),
     "decompression bomb"),
    ("bad/huge.bin", b"x" * 2_000_001, ("thumbnail", "png-to-jpeg", "zip"), "too large"),
])
def test_bad_input_gets_a_failure_record_and_nothing_else_is_lost(pipeline, key, body, conversions, reason):
    upload(pipeline, key, body)
    for conversion in conversions:
        record = failure(pipeline, conversion, key)
        assert reason in record["reason"] and record["key"] == key
    if "zip" not in conversions:  # the other conversion of the same upload still succeeds
        assert keys_under(pipeline, f"zip/{key}.zip") == [f"zip/{key}.zip"]
    assert dlq_depth(pipeline) == 0  # permanent failures are recorded, not retried into a crash loop


def test_key_with_dot_dot_is_rejected_as_unsafe_for_every_conversion(pipeline):
    upload(pipeline, "../../etc/passwd.png", samples.make_png(32, 32))
    for conversion in ("thumbnail", "png-to-jpeg", "zip"):
        records = keys_under(pipeline, f"failed/{conversion}/unsafe-key-")
        bodies = [json.loads(output(pipeline, k)) for k in records]
        assert any(b["key"] == "../../etc/passwd.png" and "unsafe key" in b["reason"] for b in bodies)
    assert not keys_under(pipeline, "thumbnails/../")


def test_jpeg_upload_is_not_converted_to_jpeg_but_gets_a_thumbnail(pipeline):
    upload(pipeline, "e2e/photo.jpg", samples.make_jpeg(600, 600))
    assert Image.open(io.BytesIO(output(pipeline, "thumbnails/e2e/photo.jpg"))).size == (300, 300)
    assert "not a PNG" in failure(pipeline, "png-to-jpeg", "e2e/photo.jpg")["reason"]


def test_transient_failure_is_retried_then_lands_in_the_dlq():
    """With the output bucket gone, every conversion fails transiently: retried, then redriven."""
    with Cloud.embedded(clock=VirtualClock()) as cloud:
        stack = cloud.deploy("file-conversion", stack_name="file-conversion-transient")
        s3 = cloud.client("s3")
        s3.delete_bucket(Bucket=stack.outputs["OutputBucketName"])
        s3.put_object(Bucket=stack.outputs["UploadBucketName"], Key="x.png", Body=samples.make_png(50, 50))
        cloud.drain()
        sqs = cloud.client("sqs")
        for name in ("ThumbnailDLQUrl", "PngToJpegDLQUrl", "ZipDLQUrl"):
            messages = sqs.receive_message(QueueUrl=stack.outputs[name], AttributeNames=["All"])["Messages"]
            assert len(messages) == 1
            assert int(messages[0]["Attributes"]["ApproximateReceiveCount"]) >= 3  # maxReceiveCount deliveries
        calls = [i for i in cloud.plane.executor.invocations if "Thumbnail" in i["function"]]
        assert len(calls) == 3


def test_destroy_removes_every_resource_of_the_pattern():
    with Cloud.embedded(clock=VirtualClock()) as cloud:
        stack = cloud.deploy("file-conversion", stack_name="file-conversion-destroy")
        s3 = cloud.client("s3")
        s3.put_object(Bucket=stack.outputs["UploadBucketName"], Key="a.png", Body=samples.make_png(20, 20))
        cloud.drain()
        cloud.destroy(stack.name)
        buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        queues = cloud.client("sqs").list_queues().get("QueueUrls", [])
        topics = [t["TopicArn"] for t in cloud.client("sns").list_topics()["Topics"]]
        functions = [f["FunctionArn"] for f in cloud.client("lambda").list_functions()["Functions"]]
        roles = [r["RoleName"] for r in cloud.client("iam").list_roles()["Roles"]]
        mappings = [m["UUID"] for m in cloud.client("lambda").list_event_source_mappings()["EventSourceMappings"]]
        for resource in stack.resources:
            for remaining in (buckets, queues, topics, functions, roles, mappings):
                assert resource.physical_id not in remaining, resource.logical_id
            assert not any(resource.attributes.get("Arn") == f for f in functions)


def test_workload_invariants_hold_after_a_run_and_catch_a_lost_output(cloud):
    from patterns.file_conversion import workload

    stack = cloud.deploy("file-conversion", stack_name="file-conversion-invariants")
    try:
        result = workload.run(cloud, stack)
    finally:
        cloud.destroy(stack.name)  # moto's state is shared with the module's pipeline cloud
    assert all(item.held for item in workload.invariants(result)), workload.invariants(result)

    lost = {**result, "outputs": [key for key in result["outputs"] if not key.startswith("zip/photos/")]}
    broken = [item for item in workload.invariants(lost) if not item.held]
    assert [item.name for item in broken] == ["every upload ends in an output or a failure record, per conversion"]
    assert "zip photos/sunset.png" in broken[0].detail
