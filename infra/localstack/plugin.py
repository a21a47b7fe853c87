"""The toolkit's Lambda runtime executor (toolkit_lambda_executor.py, beside this module) installed
into LocalStack's venv as a one-module distribution whose entry point LocalStack's plugin manager
finds (group ``localstack.lambda.runtime_executor``, name ``toolkit``). The module imports nothing
of the toolkit (it runs under LocalStack's Python 3.13), so it is copied as it is, with a minimal
dist-info beside it instead of a build."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from infra.localstack.exceptions import LocalStackHostError
from infra.localstack.settings import EXECUTOR_NAME, EXECUTOR_PLUGIN_DIST, EXECUTOR_PLUGIN_SOURCE

VERSION = "0.1.0"


def site_packages(venv_dir: Path) -> Path:
    found = sorted((venv_dir / "lib").glob("python3.*/site-packages"))
    if not found:
        raise LocalStackHostError(f"no site-packages under {venv_dir / 'lib'}: reinstall the venv")
    return found[0]


def is_current(venv_dir: Path) -> bool:
    """The venv holds the executor as it is in this checkout."""
    installed = sorted((venv_dir / "lib").glob(f"python3.*/site-packages/{EXECUTOR_PLUGIN_SOURCE.name}"))
    return bool(installed) and installed[0].read_text() == EXECUTOR_PLUGIN_SOURCE.read_text()


def install(venv_dir: Path, log: Callable[[str], None]) -> None:
    """Copy the executor into the venv with its entry point; rewritten when it changed."""
    source = EXECUTOR_PLUGIN_SOURCE.read_text()
    site = site_packages(venv_dir)
    module = site / EXECUTOR_PLUGIN_SOURCE.name
    if module.exists() and module.read_text() == source:
        return
    log(f"installing the toolkit's Lambda executor into {site}")
    dist_info = site / f"{EXECUTOR_PLUGIN_DIST}-{VERSION}.dist-info"
    dist_info.mkdir(exist_ok=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {EXECUTOR_PLUGIN_DIST}\nVersion: {VERSION}\n")
    (dist_info / "entry_points.txt").write_text(
        f"[localstack.lambda.runtime_executor]\n{EXECUTOR_NAME} = {module.stem}:ToolkitRuntimeExecutorPlugin\n")
    (dist_info / "RECORD").write_text(f"{module.name},,\n{dist_info.name}/METADATA,,\n"
                                      f"{dist_info.name}/entry_points.txt,,\n{dist_info.name}/RECORD,,\n")
    module.write_text(source)
