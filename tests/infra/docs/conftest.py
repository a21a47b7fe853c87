"""Fixtures for the docs generator's tests: the graph or source of an inline template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from docs_fixtures import make_pattern

from infra.docs import graph
from infra.docs.model import Graph
from infra.docs.source import PatternSource, read


@pytest.fixture
def source_of(tmp_path: Path) -> Callable[[str], PatternSource]:
    def load(resources_yaml: str) -> PatternSource:
        return read(make_pattern(tmp_path, f"p{len(list(tmp_path.iterdir()))}", resources_yaml))

    return load


@pytest.fixture
def graph_of(source_of: Callable[[str], PatternSource]) -> Callable[[str], Graph]:
    def build(resources_yaml: str) -> Graph:
        source = source_of(resources_yaml)
        return graph.build(source.resources, source.parameters)

    return build
