"""The pattern deployed into ``samplecli.py up``'s endpoint, driven by plain boto3 over HTTP."""

from __future__ import annotations

import io
import threading

import boto3
import pytest
from PIL import Image

import samplecli
from functions.file_conversion.fileconv import samples
from infra.cloud import Cloud
from infra.testing.plugin import wait_until
from infra.ports import free_port


@pytest.fixture(scope="module")
def endpoint():
    port = free_port()
    stop = threading.Event()
    out = io.StringIO()
    thread = threading.Thread(target=samplecli.main, args=(["up", "--port", str(port), "--ws-port", "0"], out, stop),
                              daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    assert wait_until(lambda: "local AWS endpoint" in out.getvalue(), 30), out.getvalue()
    assert "WebSocket APIs deployed here: ws://127.0.0.1:" in out.getvalue()
    yield url
    stop.set()
    thread.join(timeout=10)


def test_up_serves_an_endpoint_that_plain_boto3_clients_use(endpoint):
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="any", aws_secret_access_key="any")
    s3.create_bucket(Bucket="plain-client-bucket")
    assert "plain-client-bucket" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_pattern_deployed_into_up_converts_uploads_made_with_plain_boto3(endpoint):
    out = io.StringIO()
    assert samplecli.main(["deploy", "file-conversion", "--target", "local", "--endpoint-url", endpoint], out) == 0
    outputs = dict(line.strip().split(": ", 1) for line in out.getvalue().splitlines() if line.startswith("  ") and ": " in line)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="any", aws_secret_access_key="any")
    s3.put_object(Bucket=outputs["UploadBucketName"], Key="over http/é.png", Body=samples.make_png(600, 300))
    cloud = Cloud.remote("local", endpoint)
    cloud.drain(max_seconds=60)  # the up process's pollers deliver on the wall clock
    thumb = s3.get_object(Bucket=outputs["OutputBucketName"], Key="thumbnails/over http/é.png")["Body"].read()
    assert Image.open(io.BytesIO(thumb)).size == (300, 150)
    logs = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="any", aws_secret_access_key="any")
    groups = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]]
    assert any("ThumbnailFunction" in g for g in groups)
    assert samplecli.main(["destroy", "file-conversion", "--target", "local", "--endpoint-url", endpoint],
                          io.StringIO()) == 0
