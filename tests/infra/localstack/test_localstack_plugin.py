"""The toolkit's Lambda executor installed into LocalStack's venv."""

from __future__ import annotations

import pytest

from infra.localstack import plugin, settings


def test_executor_plugin_is_installed_with_an_entry_point_localstack_finds(tmp_path, make_host):
    host = make_host(state_dir=tmp_path)
    site = host.venv_dir / "lib" / "python3.13" / "site-packages"
    site.mkdir(parents=True)

    plugin.install(host.venv_dir, lambda message: None)

    assert (site / "toolkit_lambda_executor.py").read_text() == settings.EXECUTOR_PLUGIN_SOURCE.read_text()
    entry_points = (site / "toolkit_lambda_executor-0.1.0.dist-info" / "entry_points.txt").read_text()
    assert "[localstack.lambda.runtime_executor]" in entry_points
    assert "toolkit = toolkit_lambda_executor:ToolkitRuntimeExecutorPlugin" in entry_points
    assert host.build_env({})["LAMBDA_RUNTIME_EXECUTOR"] == "toolkit"


def test_a_changed_executor_plugin_counts_as_not_installed(tmp_path, fake_installation):
    host = fake_installation(tmp_path)
    plugin = next((host.venv_dir / "lib").glob("python3.*/site-packages/toolkit_lambda_executor.py"))
    plugin.write_text("# an older version\n")

    assert not host.is_installed()
