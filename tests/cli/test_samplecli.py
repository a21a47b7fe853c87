"""The CLI, driven in-process through main(argv)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

import samplecli
from infra.ports import free_port


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return samplecli.main(argv, out), out.getvalue()


def test_list_names_every_pattern_with_a_summary():
    code, out = run(["list"])
    assert code == 0
    assert "file-conversion" in out and "thumbnail" in out


def test_run_file_conversion_reports_resources_outputs_and_invocations():
    code, out = run(["run", "file-conversion"])
    assert code == 0, out
    assert "AWS::Lambda::Function" in out
    assert "output   thumbnails/photos/sunset.png" in out
    assert "rejected thumbnail    broken/bomb.png: decompression bomb" in out
    assert "invocations (in-process):" in out and "errors" in out
    assert "cleaned up the embedded target" in out


def test_unknown_pattern_is_a_one_line_error_with_non_zero_exit(capsys):
    code, _ = run(["run", "no-such-pattern"])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: no pattern named 'no-such-pattern'")


def test_unreachable_endpoint_is_a_one_line_error(capsys):
    code, _ = run(["deploy", "file-conversion", "--target", "local", "--endpoint-url", "http://127.0.0.1:9"])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no AWS endpoint answers at http://127.0.0.1:9" in err[0]


def test_aws_target_without_credentials_is_a_one_line_error(capsys, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata lookups from a test

    code, _ = run(["deploy", "file-conversion", "--target", "aws"])

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err == ["error: deploy on the aws target failed: Unable to locate credentials"]


def test_bad_arguments_exit_non_zero_without_traceback(capsys):
    assert samplecli.main(["run"], io.StringIO()) == 2
    assert samplecli.main(["deploy", "file-conversion", "--target", "mars"], io.StringIO()) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("command", ["list", "run", "deploy", "destroy", "export", "up"])
def test_every_command_has_help(command, capsys):
    assert samplecli.main([command, "--help"], io.StringIO()) == 0
    assert "usage:" in capsys.readouterr().out


def test_export_writes_template_and_code_zip_ready_for_sam(tmp_path):
    code, out = run(["export", "file-conversion", "--out", str(tmp_path), "--no-deps"])
    assert code == 0, out
    template = (tmp_path / "template.yaml").read_text()
    assert "CodeUri: file_conversion.zip" in template
    with zipfile.ZipFile(tmp_path / "file_conversion.zip") as archive:
        names = archive.namelist()
    assert {"thumbnail.py", "png_to_jpeg.py", "zip_original.py", "fileconv/runner.py"} <= set(names)
    lint = subprocess.run([sys.executable, "-c", "from cfnlint.runner.cli import main; main()", str(tmp_path / "template.yaml")],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_run_with_a_parameter_the_template_refuses_exits_non_zero_with_cloudformations_words(capsys):
    code, out = run(["run", "file-conversion", "--parameter", "MaxInputBytes=abc"])

    assert code == 1
    assert "Parameter 'MaxInputBytes' must be a number" in capsys.readouterr().err
    assert "invocations" not in out


SAMPLE_APP = Path(__file__).resolve().parents[1] / "sample_app"


def test_run_on_a_folder_without_a_workload_deploys_lists_and_says_so():
    code, out = run(["run", str(SAMPLE_APP)])
    assert code == 0, out
    assert "deploying sample-app to the embedded target" in out
    assert "AWS::Lambda::EventSourceMapping" in out and "AWS::DynamoDB::Table" in out
    assert "  output QueueUrl: https://sqs.us-east-1.amazonaws.com/" in out and "output TableName:" in out
    assert f"no workload: {SAMPLE_APP} has no workload.py" in out
    assert "cleaned up the embedded target" in out


ORDERS_WORKLOAD = '''\
    """Sends three orders and counts what the table recorded."""
    import json

    from infra.workload import Invariant


    def run(cloud, stack, progress=lambda message: None):
        for n in range(3):
            cloud.client("sqs").send_message(QueueUrl=stack["QueueUrl"], MessageBody=json.dumps({"id": n, "item": "tea"}))
        cloud.drain()
        return {"recorded": cloud.client("dynamodb").scan(TableName=stack["TableName"])["Count"]}


    def summary_lines(result):
        return [f"recorded {result['recorded']} orders"]


    def outcome(result):
        return result


    def invariants(result):
        return [Invariant("every order sent is recorded", result["recorded"] == EXPECTED, str(result["recorded"]))]
    '''


def _orders_app(tmp_path: Path, expected: int) -> Path:
    app = tmp_path / "orders_app"
    shutil.copytree(SAMPLE_APP, app, ignore=shutil.ignore_patterns("__pycache__", "test_*.py"))
    (app / "workload.py").write_text(textwrap.dedent(ORDERS_WORKLOAD) + f"\n\nEXPECTED = {expected}\n")
    return app


def test_run_on_a_folder_with_a_workload_drives_it_like_a_patterns(tmp_path):
    code, out = run(["run", str(_orders_app(tmp_path, expected=3))])

    assert code == 0, out
    assert "deploying orders-app to the embedded target" in out
    assert "recorded 3 orders" in out and "RecordOrder" in out and "1 errors" not in out
    assert "held    every order sent is recorded: 3" in out


def test_run_whose_invariant_is_broken_says_which_and_exits_non_zero(tmp_path, capsys):
    code, out = run(["run", str(_orders_app(tmp_path, expected=4))])

    assert code == 1
    assert "BROKEN  every order sent is recorded: 3" in out and "cleaned up the embedded target" in out
    assert "1 invariant(s) broken: every order sent is recorded" in capsys.readouterr().err


def test_export_takes_a_folder_too(tmp_path):
    code, out = run(["export", str(SAMPLE_APP), "--out", str(tmp_path), "--no-deps"])
    assert code == 0, out
    assert "CodeUri: src.zip" in (tmp_path / "template.yaml").read_text()
    with zipfile.ZipFile(tmp_path / "src.zip") as archive:
        assert archive.namelist() == ["orders.py"]


def test_a_path_that_holds_no_template_is_a_one_line_error(tmp_path, capsys):
    code, _ = run(["deploy", str(tmp_path)])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"no folder with a template.yaml at {tmp_path}" in err[0]


def test_deploy_and_destroy_a_folder_on_the_up_endpoint():
    import socket

    from infra import server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = server.start(port, ws_port=0)
    try:
        deployed = run(["deploy", str(SAMPLE_APP), "--target", "local", "--endpoint-url", endpoint.url])
        destroyed = run(["destroy", str(SAMPLE_APP), "--target", "local", "--endpoint-url", endpoint.url])
    finally:
        endpoint.stop()
    assert deployed[0] == 0 and "deployed sample-app to local" in deployed[1] and "  TableName: " in deployed[1]
    assert destroyed[0] == 0 and "destroyed sample-app on local" in destroyed[1]


@pytest.fixture
def busy_port():
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_serve_with_a_busy_websocket_port_is_a_one_line_error_before_deploying(busy_port, capsys):
    code, out = run(["serve", "durable-chat", "--port", "0", "--ws-port", str(busy_port)])

    assert code == 1 and "deploy" not in out
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"--ws-port {busy_port}: cannot listen on 127.0.0.1:{busy_port}" in err[0]


def test_serve_with_a_busy_http_port_fails_before_deploying(busy_port, capsys):
    code, out = run(["serve", "api-gateway", "--port", str(busy_port)])

    assert code == 1 and out == ""
    assert f"--port {busy_port}: cannot listen" in capsys.readouterr().err


def test_up_with_a_busy_port_is_a_one_line_error(busy_port, capsys):
    code, _ = run(["up", "--port", str(busy_port), "--ws-port", "0"])

    assert code == 1
    assert f"--port {busy_port}: cannot listen" in capsys.readouterr().err


def test_up_prints_a_line_per_invocation_and_why_one_failed(eventually):
    import json
    import threading

    import boto3

    out, stop = io.StringIO(), threading.Event()
    port = free_port()
    up = threading.Thread(target=samplecli.main, args=(["up", "--port", str(port), "--ws-port", "0"], out, stop))
    up.start()
    try:
        assert eventually(lambda: "Ctrl-C stops" in out.getvalue(), 60)
        code, deployed = run(["deploy", str(SAMPLE_APP), "--target", "local", "--endpoint-url", f"http://127.0.0.1:{port}"])
        assert code == 0, deployed
        function = re.search(r"FunctionName: (\S+)", deployed).group(1)
        lam = boto3.client("lambda", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
        lam.invoke(FunctionName=function, Payload=json.dumps({"Records": []}))
        lam.invoke(FunctionName=function, Payload=json.dumps({"no": "records"}))
        assert eventually(lambda: "FAILED KeyError" in out.getvalue(), 60)
    finally:
        stop.set()
        up.join(30)
    text = out.getvalue()
    assert "export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1" in text
    assert re.search(rf"  {function} \d+ ms, cold start: ok", text)
    assert re.search(rf"  {function} \d+ ms: FAILED KeyError: 'Records'", text)


def test_run_under_faults_prints_the_faults_by_kind_and_the_invariants_reproducibly(tmp_path):
    app = _orders_app(tmp_path, expected=3)
    code, out = run(["run", str(app), "--faults", "0.3", "--seed", "3"])
    again_code, again = run(["run", str(app), "--faults", "0.3", "--seed", "3"])

    assert code == 0, out
    assert "injecting faults at rate 0.3 (seed 3)" in out
    assert "faults injected (rate 0.3, seed 3):" in out and "lambda_throttle" in out and "service_5xx" in out
    assert "held    every order sent is recorded: 3" in out
    faults_report = [line for line in out.splitlines() if "decision points" in line]
    assert faults_report == [line for line in again.splitlines() if "decision points" in line]


def test_run_whose_invariant_breaks_under_faults_exits_non_zero(tmp_path, capsys):
    code, out = run(["run", str(_orders_app(tmp_path, expected=3)), "--faults", "1"])  # every delivery fails

    assert code == 1
    assert "BROKEN  every order sent is recorded: 0" in out
    assert "1 invariant(s) broken" in capsys.readouterr().err


@pytest.mark.parametrize("rate", ["1.5", "-0.1", "often"])
def test_a_fault_rate_that_is_not_a_chance_is_refused_before_deploying(rate, capsys):
    code, out = run(["run", "file-conversion", "--faults", rate])

    assert code == 1 and "deploying" not in out
    assert f"error: --faults '{rate}':" in capsys.readouterr().err


def test_faults_need_the_embedded_target(capsys):
    code, out = run(["run", "file-conversion", "--faults", "0.1", "--target", "local"])

    assert code == 1 and "deploying" not in out
    assert "--faults needs the embedded target" in capsys.readouterr().err
