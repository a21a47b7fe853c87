"""The CLI, driven in-process through main(argv)."""

from __future__ import annotations

import io
import zipfile

import subprocess
import sys

import pytest

import samplecli


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
