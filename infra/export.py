"""``samplecli.py export``: the template and its packaged code, ready for ``sam deploy`` or
``aws cloudformation package/deploy``. Each code folder becomes a zip next to the template
(with its requirements.txt installed for the Lambda platform unless ``with_dependencies`` is off)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from infra import template as templates
from infra.exceptions import ToolkitError
from infra.packaging import shared_packages, zip_folder
from infra.registry import Pattern

LAMBDA_PLATFORM = ["--platform", "manylinux2014_x86_64", "--python-version", "3.12", "--only-binary=:all:",
                   "--implementation", "cp"]


def export(pattern: Pattern, out: Path, with_dependencies: bool = True) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    source = templates.load(pattern.template)
    written: list[Path] = []
    zips: dict[Path, str] = {}
    for logical_id, folder in templates.code_folders(source, pattern.template.parent).items():
        if folder not in zips:
            zip_path = out / f"{folder.name}.zip"
            zip_path.write_bytes(_package(folder, with_dependencies))
            zips[folder] = zip_path.name
            written.append(zip_path)
        source["Resources"][logical_id].setdefault("Properties", {})["CodeUri"] = zips[folder]
    source.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    template_path = out / "template.yaml"
    template_path.write_text(yaml.safe_dump(source, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return [template_path, *written]


def _package(folder: Path, with_dependencies: bool) -> bytes:
    requirements = folder / "requirements.txt"
    if not with_dependencies or not requirements.is_file():
        return zip_folder(folder)
    with tempfile.TemporaryDirectory(prefix="toolkit-build-") as build:
        shutil.copytree(folder, build, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        for name, source in shared_packages(folder).items():
            shutil.copytree(source, Path(build) / name, ignore=shutil.ignore_patterns("__pycache__"))
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--target", build, *LAMBDA_PLATFORM,
                   "-r", str(requirements)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise ToolkitError(f"installing {requirements} for the Lambda platform failed: {last}")
        return zip_folder(Path(build))
