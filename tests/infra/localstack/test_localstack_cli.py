"""start / status / stop / env against a stand-in gateway (real processes, real pid files, real
signals, no LocalStack), and the real LocalStack when it is installed (else skipped)."""

from __future__ import annotations

import os
import socket

import pytest

from infra.localstack import cli, exceptions, processes


def test_env_command_prints_shell_exports(tmp_path, capsys):
    assert cli.main(["--state-dir", str(tmp_path), "env", "--port", "4577"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:4577" in lines
    assert "export AWS_DEFAULT_REGION=us-east-1" in lines
    assert "export AWS_ACCESS_KEY_ID=test" in lines
    assert "export LOCALSTACK_HOST=127.0.0.1:4577" in lines


def test_status_exit_code_when_not_running(tmp_path, capsys):
    assert cli.main(["--state-dir", str(tmp_path), "status"]) == 3
    assert capsys.readouterr().out.startswith("not running")


def test_stop_when_not_running_says_so(tmp_path, capsys):
    assert cli.main(["--state-dir", str(tmp_path), "stop"]) == 0
    assert "not running" in capsys.readouterr().err


def test_start_status_stop_with_a_stand_in_gateway(tmp_path, capsys, fake_installation):
    host = fake_installation(tmp_path)
    state = ["--state-dir", str(tmp_path)]
    try:
        assert host.start(timeout=20) == f"http://127.0.0.1:{host.port}"
        pid = host.running_pid()
        assert pid is not None and processes.read_pid_file(host.pid_file) == pid
        assert os.getpgid(pid) == pid  # own process group
        assert host.recorded_port() == host.port
        assert (tmp_path / ".gitignore").read_text().strip().endswith("*")

        capsys.readouterr()
        assert cli.main([*state, "status"]) == 0
        assert f"running: http://127.0.0.1:{host.port}" in capsys.readouterr().out
        assert cli.main([*state, "env"]) == 0  # the port of the running instance, not the default
        assert f"AWS_ENDPOINT_URL=http://127.0.0.1:{host.port}" in capsys.readouterr().out
        assert cli.main([*state, "start", "--port", str(host.port)]) == 0  # already running
        assert "already running" in capsys.readouterr().err
        assert cli.main([*state, "start", "--port", str(processes.free_port())]) == 1  # other port: refuse
        assert "already runs on port" in capsys.readouterr().err

        child = int((tmp_path / "child.pid").read_text())
        assert processes.is_alive(child)
    finally:
        assert cli.main([*state, "stop"]) == 0
    assert not processes.is_alive(pid)
    assert not processes.is_alive(child)  # the backend in its own session went too
    assert not host.pid_file.exists()
    assert processes.port_is_free(host.port)
    assert cli.main([*state, "status"]) == 3


def test_start_reports_the_log_tail_when_the_gateway_dies(tmp_path, capsys, fake_installation):
    host = fake_installation(tmp_path, fail=True)
    with pytest.raises(exceptions.LocalStackHostError, match="boom: fake gateway refuses to start"):
        host.start(timeout=20)
    assert not host.pid_file.exists()
    assert cli.main(["--state-dir", str(tmp_path), "start", "--port", str(host.port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: LocalStack exited with code 7")
    assert "Traceback" not in err


def test_start_refuses_a_port_in_use(tmp_path, fake_installation):
    host = fake_installation(tmp_path)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", host.port))
        sock.listen()
        with pytest.raises(exceptions.LocalStackHostError, match="already in use"):
            host.start(timeout=5)


def test_start_with_a_missing_shared_installation_fails_in_one_line(tmp_path, make_host):
    host = make_host(state_dir=tmp_path / "run", install_dir=tmp_path / "none")
    with pytest.raises(exceptions.LocalStackHostError, match="no LocalStack installation") as info:
        host.start(timeout=5)
    assert "\n" not in str(info.value)


def test_real_localstack_s3_sqs_dynamodb_round_trip(tmp_path, make_host, eventually):
    installed = make_host()
    if not installed.is_installed():
        pytest.skip("LocalStack not installed: run `python -m infra.localstack install` first")
    import boto3

    host = make_host(state_dir=tmp_path / "ls", port=processes.free_port(),
                          install_dir=installed.install_dir)
    pid = None
    try:
        endpoint = host.start(timeout=90)
        pid = host.running_pid()
        options = dict(endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")

        s3 = boto3.client("s3", **options)
        s3.create_bucket(Bucket="round-trip")
        s3.put_object(Bucket="round-trip", Key="a.txt", Body=b"hello")
        assert s3.get_object(Bucket="round-trip", Key="a.txt")["Body"].read() == b"hello"

        sqs = boto3.client("sqs", **options)
        url = sqs.create_queue(QueueName="round-trip")["QueueUrl"]
        assert url == f"{endpoint}/queue/us-east-1/000000000000/round-trip"
        sqs.send_message(QueueUrl=url, MessageBody="ping")
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        assert [m["Body"] for m in messages] == ["ping"]

        ddb = boto3.client("dynamodb", **options)
        ddb.create_table(TableName="round-trip", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        ddb.put_item(TableName="round-trip", Item={"pk": {"S": "k"}, "v": {"N": "1"}},
                     ConditionExpression="attribute_not_exists(pk)")
        with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
            ddb.put_item(TableName="round-trip", Item={"pk": {"S": "k"}},
                         ConditionExpression="attribute_not_exists(pk)")
        item = ddb.get_item(TableName="round-trip", Key={"pk": {"S": "k"}})["Item"]
        assert item == {"pk": {"S": "k"}, "v": {"N": "1"}}
    finally:
        host.stop(quiet=True)
    assert pid is None or eventually(lambda: not processes.is_alive(pid))
    assert processes.port_is_free(host.port)
