"""The seeded decisions and the count of what was injected, by kind."""

from __future__ import annotations

import random
import threading
from collections import Counter

from infra.exceptions import ToolkitError

KINDS = (
    "lambda_throttle",
    "handler_error",
    "handler_timeout",
    "batch_crash",
    "duplicate_delivery",
    "dynamodb_throttle",
    "service_5xx",
)


class FaultRateError(ToolkitError):
    """A fault rate outside 0..1, or not a number."""


def parse_rate(text: str | float) -> float:
    """A fault rate: a number from 0 to 1 (the chance of each kind of fault at each decision point)."""
    try:
        rate = float(text)
    except (TypeError, ValueError):
        raise FaultRateError(f"--faults {text!r}: expected a number from 0 to 1 (e.g. 0.05)") from None
    if not 0.0 <= rate <= 1.0 or rate != rate:
        raise FaultRateError(f"--faults {text!r}: a rate is a chance, from 0 to 1 (e.g. 0.05)")
    return rate


class FaultInjector:
    """Decides, kind by kind, whether a fault happens at a decision point, and counts the ones that do.

    Each kind draws from its own generator (seeded with ``seed`` and the kind's name), so the
    faults of one kind depend only on how many decision points of that kind came before:
    the same workload with the same seed gets the same faults. ``kinds`` limits injection to some.
    """

    def __init__(self, rate: float, seed: int = 0, kinds: tuple[str, ...] | None = None) -> None:
        self.rate = parse_rate(rate)
        self.seed = seed
        unknown = set(kinds or ()) - set(KINDS)
        if unknown:
            raise FaultRateError(f"unknown kind(s) of fault: {', '.join(sorted(unknown))} (known: {', '.join(KINDS)})")
        self.kinds = tuple(kinds) if kinds is not None else KINDS
        self._random = {kind: random.Random(f"{seed}:{kind}") for kind in KINDS}
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        self.decisions: Counter[str] = Counter()

    def decide(self, kind: str) -> bool:
        """Whether a fault of ``kind`` happens here (counted when it does)."""
        with self._lock:
            self.decisions[kind] += 1
            hit = self._random[kind].random() < self.rate and kind in self.kinds
            if hit:
                self.injected[kind] += 1
            return hit

    def draw(self, kind: str, low: int, high: int) -> int:
        """A number in [low, high] from ``kind``'s generator (where a batch is cut, which error)."""
        with self._lock:
            return self._random[kind].randint(low, high)

    def total(self) -> int:
        return sum(self.injected.values())

    def report_lines(self) -> list[str]:
        lines = [f"faults injected (rate {self.rate:g}, seed {self.seed}): {self.total()}"]
        for kind in KINDS:
            if kind in self.kinds:
                lines.append(f"  {kind:<20} {self.injected[kind]:>5} of {self.decisions[kind]:>6} decision points")
        return lines
