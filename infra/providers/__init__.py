"""Providers by CloudFormation type: each module realizes a family of resource types; a type
with no provider fails the deploy with its logical id.

To add a family, write ``infra/providers/<family>.py`` with a ``PROVIDERS`` dict (see core.py) and
merge it below.
"""

from __future__ import annotations

from infra.providers import apigateway, apigatewayv2, cloudfront, core, events, kinesis, stepfunctions
from infra.providers.base import Created, DeployContext, Provider

PROVIDERS: dict[str, Provider] = {
    **core.PROVIDERS,
    **apigatewayv2.PROVIDERS,
    **apigateway.PROVIDERS,
    **stepfunctions.PROVIDERS,
    **kinesis.PROVIDERS,
    **cloudfront.PROVIDERS,
    **events.PROVIDERS,
}

__all__ = ["PROVIDERS", "Created", "DeployContext", "Provider"]
