"""Providers by CloudFormation type: every family's types are found, and a family is imported
only when a template uses one of its types."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from infra.providers import CORE, FAMILIES, PROVIDERS, family_of

ROOT = Path(__file__).resolve().parents[3]
PROVIDER_FOLDER = ROOT / "infra" / "providers"
NOT_FAMILIES = {"__init__", "base"}


def family_modules() -> list[str]:
    return sorted(p.stem for p in PROVIDER_FOLDER.glob("*.py")
                  if p.stem not in NOT_FAMILIES and "PROVIDERS" in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("family", family_modules())
def test_every_type_a_family_realizes_is_found_through_the_registry(family: str) -> None:
    module = importlib.import_module(f"infra.providers.{family}")

    for resource_type, provider in module.PROVIDERS.items():
        assert family_of(resource_type) == family
        assert PROVIDERS[resource_type] is provider


def test_every_family_module_is_named_in_the_registry() -> None:
    assert set(family_modules()) == {CORE, *FAMILIES.values()}


def test_a_type_no_family_realizes_has_no_provider() -> None:
    for unknown in ("AWS::Glue::Job", "AWS::CloudFront::Function", "Custom::Thing", "AWS::SQS"):
        assert PROVIDERS.get(unknown) is None
        assert unknown not in PROVIDERS


def test_iterating_the_registry_lists_every_family_once() -> None:
    listed = list(PROVIDERS)

    assert len(listed) == len(set(listed)) == len(PROVIDERS)
    assert {"AWS::SQS::Queue", "AWS::CloudFront::Distribution", "AWS::StepFunctions::StateMachine"} <= set(listed)


def test_a_deploy_without_cloudfront_or_api_gateway_does_not_import_their_families() -> None:
    script = """
import sys
from infra.cloud import Cloud
with Cloud.embedded() as cloud:
    cloud.deploy("file-conversion")
print(" ".join(sorted(m for m in sys.modules if m.startswith(("infra.providers.", "infra.compute.cloudfront")))))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stderr
    imported = set(done.stdout.split())
    assert "infra.providers.core" in imported
    assert not imported & {"infra.providers.cloudfront", "infra.providers.apigateway", "infra.compute.cloudfront"}
