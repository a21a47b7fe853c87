"""What EventBridge Scheduler invokes: attempts delayed beyond SQS's 15 minutes, and the
maintenance runs (recover stuck jobs, sweep old finished ones) that re-arm themselves."""

from __future__ import annotations

from demo_jobs import queue
from jobs import scheduled_handler

handler = scheduled_handler(queue)
