"""Deploying a changed copy of the front door tests' distribution."""

from __future__ import annotations

import copy
import uuid
from typing import Any, Callable

from infra.template import load
from conftest import TEMPLATE


def deploy_variant(cloud: Any, site: Any, change: Callable[[dict[str, Any]], Any]) -> str:
    """A second stack from the same template with ``change(DistributionConfig)`` applied; its distribution's id."""
    import tempfile
    from pathlib import Path

    import yaml

    template = copy.deepcopy(load(TEMPLATE))
    change(template["Resources"]["Distribution"]["Properties"]["DistributionConfig"])
    folder = Path(tempfile.mkdtemp())
    (folder / "template.yaml").write_text(yaml.safe_dump(template))
    stack = cloud.deploy("fixture", template=folder / "template.yaml", stack_name=f"cdn-{uuid.uuid4().hex[:8]}",
                         parameters={"OriginPort": str(site.origin.port or 1)})
    return stack["DistributionId"]
