"""Where an instance keeps its state, and the environment LocalStack runs with."""

from __future__ import annotations

import os

import pytest

from infra.localstack import settings


def test_build_env_binds_loopback_and_roots_state_in_the_state_dir(tmp_path, make_host):
    host = make_host(state_dir=tmp_path, port=4599)
    env = host.build_env(base={"PATH": "/usr/bin", "HOME": "/root"})
    assert env["GATEWAY_LISTEN"] == "127.0.0.1:4599"
    assert env["GATEWAY_SERVER"] == "hypercorn"
    assert env["LOCALSTACK_HOST"] == "127.0.0.1:4599"
    assert env["OVERRIDE_IN_DOCKER"] == "0"
    assert env["FILESYSTEM_ROOT"] == str(tmp_path / "filesystem")
    assert env["CONFIG_DIR"] == str(tmp_path / "config")
    assert env["SQS_ENDPOINT_STRATEGY"] == "path"
    assert env["SKIP_SSL_CERT_DOWNLOAD"] == "1"
    assert env["DISABLE_EVENTS"] == "1"
    assert env["DNS_ADDRESS"] == "0"
    assert env["PATH"] == f"{tmp_path / 'venv' / 'bin'}{os.pathsep}/usr/bin"
    assert env["HOME"] == "/root"


def test_build_env_drops_what_would_confuse_the_python_313_process(tmp_path, make_host):
    base = {
        "PATH": "/bin",
        "PYTHONPATH": "/work/main",
        "VIRTUAL_ENV": "/some/venv",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:2",
        "DEBUG": "1",
    }
    env = make_host(state_dir=tmp_path).build_env(base=base)
    for key in ("PYTHONPATH", "VIRTUAL_ENV", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        assert key not in env
    assert env["DEBUG"] == "1"  # LocalStack's own settings pass through


def test_paths_follow_localstack_host_mode_layout(tmp_path, make_host):
    host = make_host(state_dir=tmp_path)
    libs = tmp_path / "filesystem" / "var" / "lib" / "localstack" / "lib"
    assert host.var_libs == libs
    assert host.java_link == libs / "java" / "21"
    assert host.dynamodb_dir == libs / "dynamodb-local" / "2"
    assert host.agent_jar == libs / "dynamodb-local" / "2" / "ddb-local-loader-0.1.jar"
    assert host.kinesis_dir == libs / "kinesis-local" / settings.KINESIS_LOCAL_VERSION
    assert host.venv_python == tmp_path / "venv" / "bin" / "python"
    assert host.pid_file == tmp_path / "localstack.pid"
    assert host.log_file == tmp_path / "localstack.log"
    assert host.endpoint == "http://127.0.0.1:4566"


def test_separate_install_dir_keeps_runtime_state_apart(tmp_path, make_host):
    host = make_host(state_dir=tmp_path / "run", install_dir=tmp_path / "inst", port=4600)
    assert host.venv_dir == tmp_path / "inst" / "venv"
    assert host.var_libs == tmp_path / "inst" / "filesystem" / "var" / "lib" / "localstack" / "lib"
    assert host.filesystem_root == tmp_path / "run" / "filesystem"
    assert host.pid_file == tmp_path / "run" / "localstack.pid"


def test_state_dir_comes_from_the_environment_or_the_project(tmp_path):
    assert settings.default_state_dir({}) == settings.PROJECT_ROOT / ".localstack"
    assert settings.default_state_dir({"LOCALSTACK_STATE_DIR": str(tmp_path)}) == tmp_path.resolve()
