"""Providers by CloudFormation type: each module realizes a family of resource types; a type
with no provider fails the deploy with its logical id.

A family's module is imported the first time a template uses one of its types (some bring a
front door with them: a deploy without CloudFront should not pay for CloudFront's). To add a
family, write ``infra/providers/<family>.py`` with a ``PROVIDERS`` dict (see core.py) and name
its service below; services not named are in core.py.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from infra.providers.base import Created, DeployContext, Provider

# the service part of a type (AWS::<service>::...) -> the module of its family
FAMILIES: dict[str, str] = {
    "ApiGateway": "apigateway",
    "ApiGatewayV2": "apigatewayv2",
    "CloudFront": "cloudfront",
    "Events": "events",
    "Kinesis": "kinesis",
    "StepFunctions": "stepfunctions",
}
CORE = "core"


def family_of(resource_type: str) -> str:
    parts = resource_type.split("::")
    return FAMILIES.get(parts[1], CORE) if len(parts) == 3 and parts[0] == "AWS" else CORE


def _family_providers(family: str) -> dict[str, Provider]:
    return importlib.import_module(f"{__name__}.{family}").PROVIDERS  # type: ignore[no-any-return]


class _Providers(Mapping[str, Provider]):
    """Every family's providers, each family imported when first asked for."""

    def __getitem__(self, resource_type: str) -> Provider:
        return _family_providers(family_of(resource_type))[resource_type]

    def __iter__(self) -> Iterator[str]:
        for family in (CORE, *FAMILIES.values()):
            yield from _family_providers(family)

    def __len__(self) -> int:
        return sum(1 for _ in self)


PROVIDERS: Mapping[str, Provider] = _Providers()

__all__ = ["CORE", "FAMILIES", "PROVIDERS", "Created", "DeployContext", "Provider", "family_of"]
