"""Path templates: ``/orders/{id}``, greedy ``/legacy/{proxy+}``; the most specific match wins,
as in API Gateway (a literal segment beats a parameter, a parameter beats a greedy one)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote


@dataclass(frozen=True)
class PathTemplate:
    template: str
    segments: tuple[str, ...]

    @classmethod
    def parse(cls, template: str) -> "PathTemplate":
        return cls(template, tuple(s for s in template.strip("/").split("/") if s))

    def match(self, segments: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """(specificity, path parameters) when ``segments`` fit, else None; higher sorts first."""
        params: dict[str, str] = {}
        rank: list[int] = []
        for index, part in enumerate(self.segments):
            if part.startswith("{") and part.endswith("+}"):
                if index >= len(segments) or index != len(self.segments) - 1:
                    return None
                params[part[1:-2]] = "/".join(segments[index:])
                rank.append(0)
                return tuple(rank), params
            if index >= len(segments):
                return None
            if part.startswith("{") and part.endswith("}"):
                params[part[1:-1]] = segments[index]
                rank.append(1)
            elif part == segments[index]:
                rank.append(2)
            else:
                return None
        if len(segments) != len(self.segments):
            return None
        return tuple(rank), params


def split(path: str) -> list[str]:
    """A request path's decoded segments."""
    return [unquote(s) for s in path.strip("/").split("/") if s]
