"""A pattern folder as the docs read it: its template translated to CloudFormation by the
toolkit's own loader, the template parameters' defaults, its README, its code folders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra import template as templates
from infra.docs.exceptions import DocsError
from infra.exceptions import TemplateError
from infra.registry import Pattern

# what the translator needs to expand the transform; the pages show the template's own
# expressions (${AWS::Region}...), never these values
_PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::StackName": "stack",
           "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}


@dataclass(frozen=True)
class PatternSource:
    name: str
    folder: Path
    template_path: Path
    description: str
    resources: dict[str, dict[str, Any]]  # plain CloudFormation, after the SAM transform
    parameters: dict[str, Any]  # each declared parameter's default (None when it has none)
    code_folders: dict[str, Path]  # function logical id -> its CodeUri folder
    readme: str  # the README's text ("" when the folder has none)


def read(pattern: Pattern) -> PatternSource:
    path = pattern.template
    try:
        source = templates.load(path)
        folders = templates.code_folders(source, path.parent)
        # the translator wants an S3 location for each CodeUri; the docs never upload anything
        packaged = templates.package(source, path.parent, lambda key, body: f"s3://code/{key}")
        declared = source.get("Parameters", {})
        defaults = {name: spec.get("Default") for name, spec in declared.items()}
        given = {name: value for name, value in defaults.items() if value is not None}
        cfn = templates.to_cloudformation(packaged, {**given, **_PSEUDO})
    except TemplateError as exc:
        raise DocsError(f"{pattern.name}: {exc}") from exc
    readme = pattern.folder / "README.md"
    return PatternSource(
        name=pattern.name,
        folder=pattern.folder,
        template_path=path,
        description=" ".join(str(source.get("Description", "")).split()),
        resources=cfn.get("Resources", {}),
        parameters=defaults,
        code_folders=folders,
        readme=readme.read_text(encoding="utf-8") if readme.is_file() else "",
    )
