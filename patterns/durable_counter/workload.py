"""Durable Objects on AWS: an atomic counter per name behind a REST API, correct under any concurrency.

The demo sends increments from 16 concurrent HTTP clients to one counter (and a few to a second),
reads both back, and checks that every increment got its own value: 1..n with no gaps and no
repeats (a lost update would repeat a value). Then a bad counter name, answered with a clear 400.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from infra.workload import Invariant, Observed, Operation
from patterns.api_client import api_url, call

OPERATION = Operation("increment")
CLIENTS = 16
PER_CLIENT = 10
OTHER = 20


def run(cloud: Any, stack: Any, progress: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    base = api_url(cloud, stack)
    returned: dict[str, list[int]] = {"hits": [], "other": []}
    errors: list[str] = []
    latencies_ms: list[float] = []
    lock = threading.Lock()

    def increment(name: str) -> None:
        sent = time.perf_counter()
        answer = call("POST", f"{base}/counters/{name}/increment")
        with lock:
            latencies_ms.append((time.perf_counter() - sent) * 1000)
            if answer.status == 200:
                returned[name].append(answer.body["value"])
            else:
                errors.append(f"{answer.status} {answer.body}")

    progress(f"{CLIENTS} clients x {PER_CLIENT} increments on 'hits', {OTHER} on 'other', at once...")
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        jobs = ["hits"] * (CLIENTS * PER_CLIENT) + ["other"] * OTHER
        list(pool.map(increment, jobs[::2] + jobs[1::2]))
    seconds = time.perf_counter() - started
    read = {name: call("GET", f"{base}/counters/{name}") for name in returned}
    values = {name: answer.body.get("value") if answer.status == 200 and isinstance(answer.body, dict) else None
              for name, answer in read.items()}
    errors += [f"reading {name}: {answer.status} {answer.body}" for name, answer in read.items() if values[name] is None]
    bad = call("GET", f"{base}/counters/{'x' * 200}")
    progress(f"read back {values}; a 200-character name answered {bad.status}")
    increments = CLIENTS * PER_CLIENT + OTHER
    repeats = sum(len(v) - len(set(v)) for v in returned.values())
    return {"values": values, "returned": {k: sorted(v) for k, v in returned.items()}, "errors": errors,
            "bad_name": {"status": bad.status, "error": (bad.body or {}).get("error", "")},
            "seconds": seconds, "increments": increments, "operations": increments, "latencies_ms": latencies_ms,
            "observed": Observed(ordering="linearizable per counter (values 1..n)", duplicates=repeats,
                                 losses=increments - sum(v or 0 for v in values.values()),
                                 isolated_failures=int(bad.status == 400))}


def outcome(result: dict[str, Any]) -> dict[str, Any]:
    """What must come out the same on every target: the final values, every increment its own
    value (1..n: no lost update, no repeat), the bad name's status."""
    return {"values": result["values"],
            "contiguous": {name: values == list(range(1, len(values) + 1)) for name, values in result["returned"].items()},
            "errors": result["errors"], "bad_name": result["bad_name"]["status"]}


def summary_lines(result: dict[str, Any]) -> list[str]:
    checks = outcome(result)["contiguous"]
    return [f"{result['increments']} concurrent increments in {result['seconds']:.2f} s "
            f"({result['increments'] / result['seconds']:.0f}/s over HTTP) -> {result['values']}",
            f"  every increment got its own value (1..n, no gaps, no repeats): {checks}",
            f"  errors: {len(result['errors'])}; a bad name: {result['bad_name']['status']} {result['bad_name']['error']}"]


def invariants(result: dict[str, Any]) -> list[Invariant]:
    """Linearizable increments: the final value counts every increment, each got its own value."""
    checks = outcome(result)
    expected = {"hits": CLIENTS * PER_CLIENT, "other": OTHER}
    return [Invariant("no lost update: each counter ends at its number of increments", result["values"] == expected,
                      f"{result['values']} (expected {expected})"),
            Invariant("every increment got its own value, 1..n without gaps or repeats", all(checks["contiguous"].values()),
                      str(checks["contiguous"])),
            Invariant("no increment failed", not result["errors"], "; ".join(result["errors"][:3])),
            Invariant("a bad object name is refused with 400", result["bad_name"]["status"] == 400,
                      str(result["bad_name"]["status"]))]
