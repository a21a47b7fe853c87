"""Durable objects benchmarks: one object under 1-64 concurrent clients, 1,000 objects at once, and
the DynamoDB request units (and on-demand cost) per operation. Prints a Markdown table.

    python benchmarks/durable_objects.py            # full run (about a minute)
    python benchmarks/durable_objects.py --quick    # smaller samples

Clients are threads, each with a namespace of its own (as separate Lambdas would have), calling
``Counter.increment`` (read, +1, write) through the library against the embedded target (moto in
this process). moto's ConsumedCapacity is not DynamoDB's (0.5 for every call, nothing for
transactions), so request units are the toolkit's meter's (infra/metering: counted from the items
each request touched, by DynamoDB's pricing rules); benchmarks/aws_prices.json holds the prices and
their date.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "functions" / "shared"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from durable_objects import DurableObject, Namespace  # noqa: E402

from infra.cloud import Cloud  # noqa: E402
from infra.compare.prices import PriceFile  # noqa: E402
from infra.compute.clock import VirtualClock  # noqa: E402
from infra.metering import METER  # noqa: E402

PRICES = PriceFile.load()  # benchmarks/aws_prices.json
TARGETS = {1: "—", 4: "no collapse", 16: "≥ 1,000 ops/s and ≥ 95% of 1 client", 64: "≥ 95% of 1 client"}


class Counter(DurableObject):
    def increment(self) -> int:
        value = self.storage.get("value", 0) + 1
        self.storage.put("value", value)
        return value


def run_clients(namespaces: list[Namespace], names: list[str], operations: int) -> float:
    """``operations`` increments spread over the clients; returns operations per second."""
    per_client = max(1, operations // len(namespaces))
    barrier = threading.Barrier(len(namespaces) + 1)

    def client(i: int) -> None:
        rng = random.Random(i)
        barrier.wait()
        for _ in range(per_client):
            namespace = namespaces[i]
            namespace.get(namespace.id_from_name(rng.choice(names))).increment()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(namespaces))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return per_client * len(namespaces) / (time.perf_counter() - started)


def units_per_increment(namespace: Namespace, forget: bool, sample: int = 50) -> tuple[float, float]:
    """Request units per uncontended increment; ``forget`` empties the process's value cache
    before each one, as when another Lambda served the object in between."""
    from durable_objects.storage import cache

    stub = namespace.get(namespace.id_from_name(f"metered-{forget}"))
    stub.increment()  # the first increment creates the items
    before = METER.snapshot()
    for _ in range(sample):
        if forget:
            cache.drop(namespace.table, f"{namespace.name}#{stub.id.hex}")
        stub.increment()
    return units_since(before, sample)


def units_since(before: Any, operations: int) -> tuple[float, float]:
    used = (METER.snapshot() - before).metrics
    return used.get("dynamodb/read_units", 0.0) / operations, used.get("dynamodb/write_units", 0.0) / operations


def units_per_contended_increment(namespaces: list[Namespace], operations: int) -> tuple[float, float]:
    """Request units per increment while every client calls the same object (served in batches)."""
    name = f"metered-{len(namespaces)}-clients"
    namespaces[0].get(namespaces[0].id_from_name(name)).increment()
    before = METER.snapshot()
    per_client = max(1, operations // len(namespaces))
    run_clients(namespaces, [name], per_client * len(namespaces))
    return units_since(before, per_client * len(namespaces))


def cost_row(label: str, units: tuple[float, float]) -> tuple[str, str, str, str]:
    rcu, wcu = units
    cost = (rcu * PRICES.usd("dynamodb/read_units") + wcu * PRICES.usd("dynamodb/write_units")) * 1e6
    return (f"DynamoDB units per increment: {label}", f"{rcu:.2f} RRU + {wcu:.2f} WRU", f"${cost:.2f} per million",
            f"on-demand prices of {PRICES.as_of}, {PRICES.region}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    operations = 200 if args.quick else 600
    rows = []
    with Cloud.embedded(clock=VirtualClock()) as cloud:
        ddb = cloud.client("dynamodb")
        table = "bench-objects"
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}])

        def namespaces(count: int) -> list[Namespace]:
            return [Namespace(Counter, table=table, client=ddb, clock=cloud.clock) for _ in range(count)]

        run_clients(namespaces(1), ["warm-up"], 20)
        single: dict[int, float] = {}
        for clients in (1, 4, 16, 64):
            single[clients] = run_clients(namespaces(clients), [f"one-{clients}"], max(operations, clients * 4))
            share = single[clients] / single[1]
            rows.append((f"one object, {clients} concurrent client{'s' if clients > 1 else ''}",
                         f"{single[clients]:.0f} ops/s", f"{share:.0%} of 1 client", TARGETS[clients]))
        objects = [f"obj-{i}" for i in range(1000)]
        spread = run_clients(namespaces(16), objects, max(operations * 2, 1000))
        rows.append(("1,000 objects, 16 concurrent clients", f"{spread:.0f} ops/s", "", "—"))
        for label, forget in (("the same Lambda serves the object again (values cached)", False),
                              ("another Lambda wrote in between (values read)", True)):
            rows.append(cost_row(label, units_per_increment(namespaces(1)[0], forget)))
        rows.append(cost_row("16 clients on one object (requests served in batches)",
                             units_per_contended_increment(namespaces(16), max(operations, 64))))
    print(f"Durable objects on the embedded target — {platform.python_implementation()} "
          f"{platform.python_version()}, {platform.machine()}\n")
    print("| benchmark | result | relative | target |\n|---|---:|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
