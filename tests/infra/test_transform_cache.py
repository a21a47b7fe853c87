"""The SAM transform's output kept on disk: the same answer as the translator, a new key for any
input the translator reads, and nothing trusted that cannot be read back."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra import registry
from infra import template as templates
from infra import transform_cache
from infra.exceptions import TemplateError
from infra.transform_cache import TransformCache

ROOT = Path(__file__).resolve().parents[2]
PARAMETERS = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::StackName": "stack"}


def packaged(pattern: str) -> dict[str, Any]:
    path = registry.get(pattern).template
    source = templates.load(path)
    return templates.package(source, path.parent, lambda key, body: f"s3://artifacts/{key}")


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


@pytest.mark.parametrize("pattern", [p.name for p in registry.all_patterns()])
def test_a_cached_expansion_equals_the_translators_for_every_pattern(tmp_path: Path, pattern: str) -> None:
    cache = TransformCache(tmp_path)
    template = packaged(pattern)

    fresh = templates.to_cloudformation(copy.deepcopy(template), PARAMETERS, cache=TransformCache(None))
    first = templates.to_cloudformation(copy.deepcopy(template), PARAMETERS, cache=cache)
    again = templates.to_cloudformation(copy.deepcopy(template), PARAMETERS, cache=cache)

    assert first == fresh and again == fresh
    assert len(entries(tmp_path)) == 1


def test_the_callers_template_is_left_as_it_was(tmp_path: Path) -> None:
    template = packaged("file-conversion")
    before = copy.deepcopy(template)

    templates.to_cloudformation(template, PARAMETERS, cache=TransformCache(tmp_path))

    assert template == before


def test_a_hit_answers_from_the_file_not_the_translator(tmp_path: Path) -> None:
    cache = TransformCache(tmp_path)
    template = packaged("file-conversion")
    templates.to_cloudformation(template, PARAMETERS, cache=cache)
    (entry,) = entries(tmp_path)
    marked = json.loads(entry.read_text())
    marked["Resources"]["MarkerFromTheCache"] = {"Type": "AWS::SNS::Topic"}
    entry.write_text(json.dumps(marked))

    assert "MarkerFromTheCache" in templates.to_cloudformation(template, PARAMETERS, cache=cache)["Resources"]


@pytest.mark.parametrize("change", ["code", "parameter", "region", "template"])
def test_any_input_the_translator_reads_makes_a_new_entry(tmp_path: Path, change: str) -> None:
    cache = TransformCache(tmp_path)
    template, parameters, region = packaged("file-conversion"), dict(PARAMETERS), "us-east-1"
    templates.to_cloudformation(copy.deepcopy(template), parameters, region, cache=cache)

    if change == "code":  # a changed code folder zips to another hash, so another CodeUri
        function = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function")
        function["Properties"]["CodeUri"] = "s3://artifacts/code/another.zip"
    elif change == "parameter":
        parameters["AWS::StackName"] = "another-stack"
    elif change == "region":
        region = "eu-west-1"
    else:
        template["Description"] = "changed"
    expanded = templates.to_cloudformation(copy.deepcopy(template), parameters, region, cache=cache)

    assert len(entries(tmp_path)) == 2
    assert expanded == templates.to_cloudformation(copy.deepcopy(template), parameters, region,
                                                   cache=TransformCache(None))


def test_the_translators_version_is_part_of_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = TransformCache(tmp_path)
    before = cache.key(template={"Resources": {}})
    monkeypatch.setattr(transform_cache, "translator_version", lambda: "0.0.0-another")

    assert cache.key(template={"Resources": {}}) != before


@pytest.mark.parametrize("damage", ["cut short", "not a template", "empty"])
def test_an_entry_that_cannot_be_read_back_is_translated_again(tmp_path: Path, damage: str) -> None:
    cache = TransformCache(tmp_path)
    template = packaged("file-conversion")
    expected = templates.to_cloudformation(template, PARAMETERS, cache=cache)
    (entry,) = entries(tmp_path)
    text = entry.read_text()
    entry.write_text({"cut short": text[: len(text) // 2], "not a template": "[1, 2]", "empty": ""}[damage])

    assert templates.to_cloudformation(template, PARAMETERS, cache=cache) == expected
    assert json.loads(entry.read_text()) == expected  # written again, whole


def test_a_folder_that_cannot_be_written_only_costs_the_translation(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    template = packaged("file-conversion")

    expanded = templates.to_cloudformation(template, PARAMETERS, cache=TransformCache(blocked / "cache"))

    assert expanded == templates.to_cloudformation(template, PARAMETERS, cache=TransformCache(None))


def test_a_failed_transform_is_an_error_every_time_and_is_not_kept(tmp_path: Path) -> None:
    cache = TransformCache(tmp_path)
    broken = {"Transform": templates.SAM_TRANSFORM,
              "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": 3}}}}

    for _ in range(2):
        with pytest.raises(TemplateError, match="SAM transform failed"):
            templates.to_cloudformation(broken, PARAMETERS, cache=cache)
    assert entries(tmp_path) == []


def test_only_the_newest_entries_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transform_cache, "MAX_ENTRIES", 3)
    cache = TransformCache(tmp_path)
    for number in range(5):
        cache.put(cache.key(number=number), {"Resources": {"N": number}})

    assert len(entries(tmp_path)) == 3
    assert cache.get(cache.key(number=4)) == {"Resources": {"N": 4}}
    assert cache.get(cache.key(number=0)) is None


def test_the_cache_folder_follows_toolkit_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(tmp_path))
    assert transform_cache.default_cache().folder == tmp_path / "sam-transform"
    monkeypatch.setenv("TOOLKIT_CACHE_DIR", "off")
    assert transform_cache.default_cache().folder is None
    monkeypatch.delenv("TOOLKIT_CACHE_DIR")
    assert transform_cache.default_cache().folder == ROOT / ".toolkit" / "sam-transform"


def test_a_deploy_of_a_cached_template_imports_neither_the_translator_nor_pydantic(tmp_path: Path) -> None:
    script = """
import sys
from infra.cloud import Cloud
with Cloud.embedded() as cloud:
    cloud.deploy("file-conversion")
print(" ".join(sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("samtranslator", "pydantic")})))
"""
    env = {**os.environ, "TOOLKIT_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env=env) for _ in range(2)]

    assert [run.returncode for run in runs] == [0, 0], runs[-1].stderr
    assert runs[0].stdout.splitlines()[-1] == "pydantic samtranslator"  # the first one translates
    assert runs[1].stdout.strip() == ""
