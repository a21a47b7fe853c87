"""Tests of infra.localstack_host.

The fast tests run the launcher against a stand-in "venv" whose ``python`` is a small HTTP server
answering ``/_localstack/health``: real processes, real pid files, real signals, no LocalStack.
One test starts the real LocalStack (host mode) when it is installed, and skips otherwise.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from infra import localstack_host as lh
from infra.localstack_host import LocalStackHost, LocalStackHostError


def quiet(_message: str) -> None:
    pass


# ------------------------------------------------------------------------------------------
# environment and paths


def test_build_env_binds_loopback_and_roots_state_in_the_state_dir(tmp_path):
    host = LocalStackHost(state_dir=tmp_path, port=4599, log=quiet)
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


def test_build_env_drops_what_would_confuse_the_python_313_process(tmp_path):
    base = {
        "PATH": "/bin",
        "PYTHONPATH": "/work/main",
        "VIRTUAL_ENV": "/some/venv",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:2",
        "DEBUG": "1",
    }
    env = LocalStackHost(state_dir=tmp_path, log=quiet).build_env(base=base)
    for key in ("PYTHONPATH", "VIRTUAL_ENV", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        assert key not in env
    assert env["DEBUG"] == "1"  # LocalStack's own settings pass through


def test_paths_follow_localstack_host_mode_layout(tmp_path):
    host = LocalStackHost(state_dir=tmp_path, log=quiet)
    libs = tmp_path / "filesystem" / "var" / "lib" / "localstack" / "lib"
    assert host.var_libs == libs
    assert host.java_link == libs / "java" / "21"
    assert host.dynamodb_dir == libs / "dynamodb-local" / "2"
    assert host.agent_jar == libs / "dynamodb-local" / "2" / "ddb-local-loader-0.1.jar"
    assert host.kinesis_dir == libs / "kinesis-local" / lh.KINESIS_LOCAL_VERSION
    assert host.venv_python == tmp_path / "venv" / "bin" / "python"
    assert host.pid_file == tmp_path / "localstack.pid"
    assert host.log_file == tmp_path / "localstack.log"
    assert host.endpoint == "http://127.0.0.1:4566"


def test_separate_install_dir_keeps_runtime_state_apart(tmp_path):
    host = LocalStackHost(state_dir=tmp_path / "run", install_dir=tmp_path / "inst", port=4600, log=quiet)
    assert host.venv_dir == tmp_path / "inst" / "venv"
    assert host.var_libs == tmp_path / "inst" / "filesystem" / "var" / "lib" / "localstack" / "lib"
    assert host.filesystem_root == tmp_path / "run" / "filesystem"
    assert host.pid_file == tmp_path / "run" / "localstack.pid"


def test_state_dir_comes_from_the_environment_or_the_project(tmp_path):
    assert lh.default_state_dir({}) == lh.PROJECT_ROOT / ".localstack"
    assert lh.default_state_dir({"LOCALSTACK_STATE_DIR": str(tmp_path)}) == tmp_path.resolve()


def test_env_command_prints_shell_exports(tmp_path, capsys):
    assert lh.main(["--state-dir", str(tmp_path), "env", "--port", "4577"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:4577" in lines
    assert "export AWS_DEFAULT_REGION=us-east-1" in lines
    assert "export AWS_ACCESS_KEY_ID=test" in lines
    assert "export LOCALSTACK_HOST=127.0.0.1:4577" in lines


# ------------------------------------------------------------------------------------------
# pid files and processes


def test_read_pid_file(tmp_path):
    path = tmp_path / "p.pid"
    assert lh.read_pid_file(path) is None
    for text, expected in (("123\n", 123), ("", None), ("abc", None), ("0", None), ("-5", None)):
        path.write_text(text)
        assert lh.read_pid_file(path) == expected


def test_stale_pid_file_of_a_dead_process_is_removed(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    host = LocalStackHost(state_dir=tmp_path, log=quiet)
    host.pid_file.write_text(finished.stdout)
    host.port_file.write_text("4566\n")
    assert not host.is_running()
    assert not host.pid_file.exists()
    assert not host.port_file.exists()


def test_pid_file_naming_a_live_process_that_is_not_localstack_is_stale(tmp_path):
    host = LocalStackHost(state_dir=tmp_path, log=quiet)
    host.pid_file.write_text(f"{os.getpid()}\n")  # pytest itself: alive, but not LocalStack
    assert host.running_pid() is None
    assert not host.pid_file.exists()
    assert lh.is_alive(os.getpid())


def test_garbage_pid_file_is_removed(tmp_path):
    host = LocalStackHost(state_dir=tmp_path, log=quiet)
    host.pid_file.write_text("not a pid")
    assert not host.is_running()
    assert not host.pid_file.exists()


def test_status_exit_code_when_not_running(tmp_path, capsys):
    assert lh.main(["--state-dir", str(tmp_path), "status"]) == 3
    assert capsys.readouterr().out.startswith("not running")


def test_stop_when_not_running_says_so(tmp_path, capsys):
    assert lh.main(["--state-dir", str(tmp_path), "stop"]) == 0
    assert "not running" in capsys.readouterr().err


def test_descendants_walks_the_whole_tree():
    parents = {10: 1, 11: 10, 12: 11, 13: 10, 20: 1, 21: 20}
    assert sorted(lh.descendants(10, parents)) == [11, 12, 13]
    assert lh.descendants(12, parents) == []


def test_parent_map_sees_this_process():
    parents = lh.parent_map()
    assert parents.get(os.getpid()) == os.getppid()


def test_port_is_free_tells_a_listening_port_apart(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not lh.port_is_free(port)
    assert lh.port_is_free(port)


def test_parse_java_settings():
    out = textwrap.dedent("""\
        Property settings:
            java.home = /usr/lib/jvm/java-17-openjdk-amd64
            java.specification.version = 17
        openjdk version "17.0.15" 2025-04-15
        """)
    assert lh.parse_java_settings(out) == ("/usr/lib/jvm/java-17-openjdk-amd64", 17)
    assert lh.parse_java_settings("java.specification.version = 1.8\n") == (None, 8)
    assert lh.parse_java_settings("nothing") == (None, None)


# ------------------------------------------------------------------------------------------
# the do-nothing DynamoDB Local agent jar


def test_agent_jar_written_without_a_jdk_has_a_premain_manifest(tmp_path):
    jar = lh.write_agent_jar(tmp_path / "ddb-local-loader-0.1.jar")
    with zipfile.ZipFile(jar) as archive:
        manifest = archive.read("META-INF/MANIFEST.MF").decode()
        klass = archive.read(f"{lh.DDB_AGENT_CLASS}.class")
    assert f"Premain-Class: {lh.DDB_AGENT_CLASS}" in manifest
    assert klass[:4] == b"\xca\xfe\xba\xbe"


def test_agent_jar_written_without_a_jdk_loads_in_a_real_jvm(tmp_path):
    java = shutil.which("java")
    if java is None:
        pytest.skip("no java on PATH")
    jar = lh.write_agent_jar(tmp_path / "agent.jar")
    result = subprocess.run([java, f"-javaagent:{jar}", "-version"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------------------------------------
# start / status / stop against a stand-in gateway (real processes, no LocalStack)

FAKE_GATEWAY = '''\
import http.server, os, subprocess, sys
host, port = os.environ["GATEWAY_LISTEN"].split(":")
if os.environ.get("FAKE_GATEWAY_FAIL"):
    print("boom: fake gateway refuses to start", flush=True)
    sys.exit(7)
# a backend in a session of its own, like DynamoDB Local under LocalStack
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
open(os.environ["FAKE_GATEWAY_CHILD"], "w").write(str(child.pid))
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"services": {}}' if self.path == "/_localstack/health" else b"{}"
        self.send_response(200 if self.path == "/_localstack/health" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
print("Ready.", flush=True)
http.server.HTTPServer((host, int(port)), Health).serve_forever()
'''


def fake_installation(root: Path, fail: bool = False) -> LocalStackHost:
    host = LocalStackHost(state_dir=root, port=lh.free_port(), log=quiet)
    for marker in (host.venv_dir / lh.INSTALL_STAMP, host.java_link / "bin" / "java",
                   host.dynamodb_dir / "DynamoDBLocal.jar", host.agent_jar,
                   host.kinesis_dir / "node_modules" / "kinesis-local" / "main.js"):
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("")
    host.venv_python.parent.mkdir(parents=True, exist_ok=True)
    (host.venv_dir / "lib" / "python3.13" / "site-packages").mkdir(parents=True)
    host._install_executor_plugin()
    server = root / "fake_gateway.py"
    server.write_text(FAKE_GATEWAY)
    host.venv_python.write_text(
        "#!/bin/sh\n"
        f"export FAKE_GATEWAY_CHILD={root / 'child.pid'}\n"
        + ("export FAKE_GATEWAY_FAIL=1\n" if fail else "")
        + f'exec {sys.executable} {server} "$@"\n')
    host.venv_python.chmod(0o755)
    assert host.is_installed()
    return host


def test_executor_plugin_is_installed_with_an_entry_point_localstack_finds(tmp_path):
    host = LocalStackHost(state_dir=tmp_path, log=quiet)
    site = host.venv_dir / "lib" / "python3.13" / "site-packages"
    site.mkdir(parents=True)

    host._install_executor_plugin()

    assert (site / "toolkit_lambda_executor.py").read_text() == lh.EXECUTOR_PLUGIN_SOURCE.read_text()
    entry_points = (site / "toolkit_lambda_executor-0.1.0.dist-info" / "entry_points.txt").read_text()
    assert "[localstack.lambda.runtime_executor]" in entry_points
    assert "toolkit = toolkit_lambda_executor:ToolkitRuntimeExecutorPlugin" in entry_points
    assert host.build_env({})["LAMBDA_RUNTIME_EXECUTOR"] == "toolkit"


def test_a_changed_executor_plugin_counts_as_not_installed(tmp_path):
    host = fake_installation(tmp_path)
    plugin = next((host.venv_dir / "lib").glob("python3.*/site-packages/toolkit_lambda_executor.py"))
    plugin.write_text("# an older version\n")

    assert not host.is_installed()


def test_start_status_stop_with_a_stand_in_gateway(tmp_path, capsys):
    host = fake_installation(tmp_path)
    state = ["--state-dir", str(tmp_path)]
    try:
        assert host.start(timeout=20) == f"http://127.0.0.1:{host.port}"
        pid = host.running_pid()
        assert pid is not None and lh.read_pid_file(host.pid_file) == pid
        assert os.getpgid(pid) == pid  # own process group
        assert host.recorded_port() == host.port
        assert (tmp_path / ".gitignore").read_text().strip().endswith("*")

        capsys.readouterr()
        assert lh.main([*state, "status"]) == 0
        assert f"running: http://127.0.0.1:{host.port}" in capsys.readouterr().out
        assert lh.main([*state, "env"]) == 0  # the port of the running instance, not the default
        assert f"AWS_ENDPOINT_URL=http://127.0.0.1:{host.port}" in capsys.readouterr().out
        assert lh.main([*state, "start", "--port", str(host.port)]) == 0  # already running
        assert "already running" in capsys.readouterr().err
        assert lh.main([*state, "start", "--port", str(lh.free_port())]) == 1  # other port: refuse
        assert "already runs on port" in capsys.readouterr().err

        child = int((tmp_path / "child.pid").read_text())
        assert lh.is_alive(child)
    finally:
        assert lh.main([*state, "stop"]) == 0
    assert not lh.is_alive(pid)
    assert not lh.is_alive(child)  # the backend in its own session went too
    assert not host.pid_file.exists()
    assert lh.port_is_free(host.port)
    assert lh.main([*state, "status"]) == 3


def test_start_reports_the_log_tail_when_the_gateway_dies(tmp_path, capsys):
    host = fake_installation(tmp_path, fail=True)
    with pytest.raises(LocalStackHostError, match="boom: fake gateway refuses to start"):
        host.start(timeout=20)
    assert not host.pid_file.exists()
    assert lh.main(["--state-dir", str(tmp_path), "start", "--port", str(host.port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: LocalStack exited with code 7")
    assert "Traceback" not in err


def test_start_refuses_a_port_in_use(tmp_path):
    host = fake_installation(tmp_path)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", host.port))
        sock.listen()
        with pytest.raises(LocalStackHostError, match="already in use"):
            host.start(timeout=5)


def test_start_with_a_missing_shared_installation_fails_in_one_line(tmp_path):
    host = LocalStackHost(state_dir=tmp_path / "run", install_dir=tmp_path / "none", log=quiet)
    with pytest.raises(LocalStackHostError, match="no LocalStack installation") as info:
        host.start(timeout=5)
    assert "\n" not in str(info.value)


def test_find_python313_rejects_other_versions(tmp_path):
    if sys.version_info[:2] == (3, 13):
        pytest.skip("this interpreter is 3.13")
    with pytest.raises(LocalStackHostError, match="Python 3.13 not found"):
        lh.find_python313(candidates=[sys.executable, str(tmp_path / "missing")], environ={})


# ------------------------------------------------------------------------------------------
# the real thing


def test_real_localstack_s3_sqs_dynamodb_round_trip(tmp_path):
    installed = LocalStackHost(log=quiet)
    if not installed.is_installed():
        pytest.skip("LocalStack not installed: run `python -m infra.localstack_host install` first")
    import boto3

    host = LocalStackHost(state_dir=tmp_path / "ls", port=lh.free_port(),
                          install_dir=installed.install_dir, log=quiet)
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
    deadline = time.monotonic() + 10
    while pid is not None and lh.is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pid is None or not lh.is_alive(pid)
    assert lh.port_is_free(host.port)
