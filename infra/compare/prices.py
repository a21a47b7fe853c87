"""The dated price file (benchmarks/aws_prices.json) and the cost of a run's metered usage.

A price names the metric the meter counts (``sqs/requests``), its service, and ``usd`` per
``per`` units: the cost of a quantity is ``quantity * usd / per``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.exceptions import ToolkitError

PRICE_FILE = Path(__file__).resolve().parents[2] / "benchmarks" / "aws_prices.json"
NOT_PER_OPERATION = {"sqs/empty_receives": "idle polling: billed by the hour of polling, not per operation"}


class PriceFileError(ToolkitError):
    """The price file is missing or malformed."""


@dataclass(frozen=True)
class Price:
    metric: str
    service: str
    usd: float
    per: float
    unit: str
    source: str

    def cost(self, quantity: float) -> float:
        return quantity * self.usd / self.per


@dataclass(frozen=True)
class PriceFile:
    as_of: str
    region: str
    prices: dict[str, Price]
    fixed: dict[str, Price]

    @classmethod
    def load(cls, path: Path = PRICE_FILE) -> PriceFile:
        try:
            data = json.loads(path.read_text())
            return cls(data["as_of"], data["region"], _prices(data["prices"]), _prices(data.get("fixed", {})))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise PriceFileError(f"{path}: not a readable price file ({exc})") from exc

    def usd(self, metric: str) -> float:
        """The price of one unit of a metric (for the figures that quote it)."""
        price = self.prices[metric]
        return price.usd / price.per

    def cost_per_million(self, metrics: dict[str, float], operations: int) -> tuple[dict[str, float], list[str]]:
        """USD per million operations by service, and the metrics no price covers (never dropped silently)."""
        by_service: dict[str, float] = {}
        unpriced = []
        for metric, quantity in sorted(metrics.items()):
            price = self.prices.get(metric)
            if price is None:
                if metric not in NOT_PER_OPERATION:
                    unpriced.append(metric)
                continue
            by_service[price.service] = by_service.get(price.service, 0.0) + price.cost(quantity) / operations * 1e6
        return by_service, unpriced


def _prices(entries: dict[str, Any]) -> dict[str, Price]:
    return {metric: Price(metric, e["service"], float(e["usd"]), float(e["per"]), e["unit"], e["source"])
            for metric, e in entries.items()}
