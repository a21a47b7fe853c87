"""Metering: what the architecture consumed, counted as the calls happen (see meter.py).

    with measure(cloud) as reading:
        workload.run(cloud, stack)
    reading.usage.metrics      # {"lambda/requests": 24.0, "s3/tier1_requests": 32.0, ...}
    reading.usage.requests     # {"s3:PutObject": 32, "sqs:ReceiveMessage": 40, ...}
    reading.usage.functions    # per function: invocations, errors, GB-seconds
"""

from __future__ import annotations

from infra.metering.measure import Reading, measure
from infra.metering.meter import METER, FunctionUsage, Meter, Usage, unmetered

__all__ = ["METER", "FunctionUsage", "Meter", "Reading", "Usage", "measure", "unmetered"]
