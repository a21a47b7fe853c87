"""A handler's ``boto3.client(...)`` (boto3's default session) reads the function's own
environment — region, endpoint, credentials — as it would in its own Lambda process, even when
the process made boto3's default session before any handler ran (moto's Step Functions, a test,
the user's own code), reading the process's environment only."""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import pytest

from infra.compute.clock import VirtualClock
from infra.compute.executor import Executor, FunctionSpec
from infra.compute.isolation import ThreadEnviron

HANDLER = '''
import boto3

def handler(event, context):
    client = boto3.client("sqs")
    return {"region": client.meta.region_name, "endpoint": client.meta.endpoint_url}
'''


@pytest.fixture
def early_default_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3's default session made from a process environment with no region and no endpoint."""
    base = os.environ.base if isinstance(os.environ, ThreadEnviron) else os.environ
    plain = {key: value for key, value in base.items() if not key.startswith("AWS_")}
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    with monkeypatch.context() as scoped:
        scoped.setattr(os, "environ", plain)
        boto3.setup_default_session()


def spec(code_dir: Path, name: str, region: str, endpoint: str) -> FunctionSpec:
    return FunctionSpec(name=name, arn=f"arn:aws:lambda:{region}:000000000000:function:{name}",
                        handler="app.handler", code_dir=code_dir, region=region,
                        environment={"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test",
                                     "AWS_SECRET_ACCESS_KEY": "test"})


def test_a_handlers_default_boto3_client_has_its_functions_region_and_endpoint(early_default_session, tmp_path):
    (tmp_path / "app.py").write_text(HANDLER)
    executor = Executor(VirtualClock())
    try:
        paris = executor.invoke(spec(tmp_path, "in-paris", "eu-west-3", "http://127.0.0.1:4566"), {})
        tokyo = executor.invoke(spec(tmp_path, "in-tokyo", "ap-northeast-1", "http://127.0.0.1:4577"), {})
    finally:
        executor.shutdown()

    assert paris["function_error"] is None, paris["payload"]
    assert paris["payload"] == {"region": "eu-west-3", "endpoint": "http://127.0.0.1:4566"}
    assert tokyo["payload"] == {"region": "ap-northeast-1", "endpoint": "http://127.0.0.1:4577"}


def test_code_outside_an_invocation_keeps_the_processs_default_session(early_default_session, tmp_path):
    (tmp_path / "app.py").write_text(HANDLER)
    executor = Executor(VirtualClock())
    try:
        executor.invoke(spec(tmp_path, "in-paris", "eu-west-3", "http://127.0.0.1:4566"), {})
    finally:
        executor.shutdown()

    assert boto3._get_default_session() is boto3.DEFAULT_SESSION
