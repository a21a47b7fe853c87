"""Reads a pattern's SAM/CloudFormation template and turns it into plain CloudFormation.

Code folders named by ``CodeUri`` are zipped and uploaded to an artifacts bucket on the target
(``sam package`` does the same), then the SAM transform (aws-sam-translator, the library
``sam`` and CloudFormation use) expands the serverless resources.

Importing the translator and running it cost about a second of CPU, and its output depends only
on its input: the expanded template is kept in ``.toolkit/sam-transform/`` (``transform_cache``),
keyed by everything the translator reads, so a run of an unchanged template skips both.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Callable

import yaml

from infra.exceptions import TemplateError
from infra.packaging import zip_folder
from infra.transform_cache import TransformCache, default_cache

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# the translator warns about its own service's internals: unpublished usage metrics, and feature
# toggles that only SAM's hosted transform configures
for _noisy in ("samtranslator.metrics.metrics", "samtranslator.feature_toggle.feature_toggle"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)
_MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "AWSLambdaSQSQueueExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
    "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}


class _StaticPolicyLoader:
    """Managed policy names the templates may use, without asking IAM."""

    def load(self) -> dict[str, str]:
        return dict(_MANAGED_POLICIES)


class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !GetAtt, !Sub...)."""


def _short_form(tag: str) -> Any:
    name = "Ref" if tag == "Ref" else f"Fn::{tag}"

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name if tag != "Condition" else "Condition": value}

    return construct


for _tag in ("Ref", "GetAtt", "Sub", "Join", "Select", "Split", "If", "Equals", "Not", "And", "Or", "FindInMap",
             "Base64", "Cidr", "ImportValue", "GetAZs", "Condition", "Transform", "ToJsonString", "Length"):
    _TemplateLoader.add_constructor(f"!{_tag}", _short_form(_tag))


def load(path: Path) -> dict[str, Any]:
    try:
        parsed = yaml.load(path.read_text(encoding="utf-8"), Loader=_TemplateLoader)  # noqa: S506 - SafeLoader
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"{path}: cannot be read as a template: {exc}") from exc
    if not isinstance(parsed, dict) or not isinstance(parsed.get("Resources"), dict):
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources section)")
    return json.loads(json.dumps(parsed, default=str))


def code_folders(template: dict[str, Any], template_dir: Path) -> dict[str, Path]:
    """Logical id -> local code folder, for every function whose CodeUri is a local path."""
    globals_uri = template.get("Globals", {}).get("Function", {}).get("CodeUri")
    folders: dict[str, Path] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        uri = resource.get("Properties", {}).get("CodeUri", globals_uri)
        if isinstance(uri, str) and not uri.startswith("s3://"):
            folder = (template_dir / uri).resolve()
            if not folder.is_dir():
                raise TemplateError(f"{logical_id}: CodeUri {uri} is not a folder ({folder})")
            folders[logical_id] = folder
    return folders


def package(template: dict[str, Any], template_dir: Path,
            upload: Callable[[str, bytes], str]) -> dict[str, Any]:
    """Zip each local CodeUri, ``upload(key, bytes) -> s3 uri``, and point CodeUri at it."""
    packaged = copy.deepcopy(template)
    uploaded: dict[Path, str] = {}
    for logical_id, folder in code_folders(template, template_dir).items():
        if folder not in uploaded:
            body = zip_folder(folder)
            uploaded[folder] = upload(f"code/{hashlib.sha256(body).hexdigest()}.zip", body)
        packaged["Resources"][logical_id].setdefault("Properties", {})["CodeUri"] = uploaded[folder]
    packaged.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    return packaged


def to_cloudformation(template: dict[str, Any], parameters: dict[str, Any] | None = None,
                      region: str = "us-east-1", cache: TransformCache | None = None) -> dict[str, Any]:
    """Expand the SAM transform (if the template uses it) into plain CloudFormation.

    ``cache``: where expansions are kept (default: ``default_cache()``, the project's
    ``.toolkit/sam-transform/``); the answer is the same with or without it."""
    transforms = template.get("Transform")
    names = transforms if isinstance(transforms, list) else [transforms] if transforms else []
    if SAM_TRANSFORM not in names:
        return template
    cache = cache if cache is not None else default_cache()
    key = cache.key(template=template, parameters=parameters or {}, region=region,
                    managed_policies=_MANAGED_POLICIES)
    cached = cache.get(key)
    if cached is not None:
        return cached
    expanded = _translate(copy.deepcopy(template), parameters or {}, region)  # the translator edits its input
    cache.put(key, expanded)
    return expanded


def _translate(template: dict[str, Any], parameters: dict[str, Any], region: str) -> dict[str, Any]:
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.transform import transform

    ArnGenerator.BOTO_SESSION_REGION_NAME = region  # else it asks a boto3 session for one
    os.environ.setdefault("AWS_DEFAULT_REGION", region)  # the translator's pseudo parameters do too
    try:
        return transform(template, parameters, _StaticPolicyLoader())  # type: ignore[arg-type]
    except Exception as exc:  # samtranslator raises InvalidDocumentException & co
        causes = getattr(exc, "causes", None)
        detail = "; ".join(str(c) for c in causes) if causes else str(exc)
        raise TemplateError(f"SAM transform failed: {detail}") from exc
