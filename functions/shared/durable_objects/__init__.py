"""Cloudflare Durable Objects' programming model on AWS: DynamoDB conditional writes for the
input and output gates, EventBridge Scheduler for alarms, API Gateway WebSocket APIs for sockets.
See README.md next to this file."""

from __future__ import annotations

from durable_objects.alarms import SchedulerAlarms, alarm_handler, run_alarm
from durable_objects.errors import (DurableObjectError, InvalidIdError, LeaseLostError, ObjectBusyError,
                                    StorageLimitError, UnknownMethodError, UnserializableValueError)
from durable_objects.ids import ObjectId
from durable_objects.objects import DurableObject, Namespace, Request, Response, State, Stub
from durable_objects.sockets import object_of_connection, reply

__all__ = ["DurableObject", "DurableObjectError", "InvalidIdError", "LeaseLostError", "Namespace", "ObjectBusyError",
           "ObjectId", "Request", "Response", "SchedulerAlarms", "State", "StorageLimitError", "Stub",
           "UnknownMethodError", "UnserializableValueError", "alarm_handler", "object_of_connection", "reply", "run_alarm"]
