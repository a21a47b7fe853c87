"""Code zips: deterministic, and self-contained (the shared packages shared.txt names are copied in)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from infra.exceptions import TemplateError
from infra.packaging import zip_folder

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def names(body: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return set(archive.namelist())


def test_shared_packages_listed_in_shared_txt_are_copied_into_the_zip():
    body = zip_folder(FUNCTIONS / "durable_counter")
    assert {"counter.py", "durable_objects/__init__.py", "durable_objects/gate.py"} <= names(body)
    assert not any("__pycache__" in name for name in names(body))
    assert zip_folder(FUNCTIONS / "durable_counter") == body  # deterministic


def test_a_shared_txt_entry_that_is_not_a_package_fails_with_the_file_and_entry(tmp_path):
    code = tmp_path / "fn"
    code.mkdir()
    (code / "app.py").write_text("def handler(e, c): return 1\n")
    (code / "shared.txt").write_text("# the library\n../nowhere/lib\n")
    with pytest.raises(TemplateError, match=r"shared.txt: '../nowhere/lib' is not a Python package"):
        zip_folder(code)


def test_a_folder_without_shared_txt_zips_only_its_own_files(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    assert names(zip_folder(tmp_path)) == {"app.py"}
