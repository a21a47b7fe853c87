"""Object classes the library tests run."""

from __future__ import annotations

import threading
from typing import Any

from durable_objects import DurableObject, Request, Response


class Counter(DurableObject):
    """Read-modify-write with no locking of its own: correct only through the input gate."""

    def increment(self, by: int = 1) -> int:
        value = self.storage.get("value", 0) + by
        self.storage.put("value", value)
        return value

    def read(self) -> int:
        return self.storage.get("value", 0)

    def fetch(self, request: Request) -> Response:
        if request.method == "POST" and request.path == "/increment":
            return Response(200, {"value": self.increment()})
        if request.method == "GET" and request.path == "/":
            return Response(200, {"value": self.read()})
        return super().fetch(request)


class Register(DurableObject):
    def write(self, value: Any) -> None:
        self.storage.put("value", value)

    def read(self) -> Any:
        return self.storage.get("value")


class Bag(DurableObject):
    """Exposes storage directly, for the storage tests."""

    def do(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.storage, operation)(*args, **kwargs)

    def many(self, steps: list[tuple[str, list[Any]]]) -> list[Any]:
        return [getattr(self.storage, op)(*args) for op, args in steps]

    def put_then_fail(self, key: str, value: Any) -> None:
        self.storage.put(key, value)
        raise RuntimeError("the object's code failed after a put")

    def transfer(self, source: str, target: str, amount: int, fail: bool = False) -> None:
        def move(storage: Any) -> None:
            storage.put(source, storage.get(source, 0) - amount)
            if fail:
                raise ValueError("transfer refused")
            storage.put(target, storage.get(target, 0) + amount)

        try:
            self.storage.transaction(move)
        except ValueError:
            pass


class Pausing(DurableObject):
    """Increments that can be held mid-request by the test (an owner paused past its lease)."""

    gates: dict[str, threading.Event] = {}
    reached: dict[str, threading.Event] = {}

    def increment(self, hold: str | None = None) -> int:
        value = self.storage.get("value", 0) + 1
        self.storage.put("value", value)
        if hold is not None:
            Pausing.reached[hold].set()
            Pausing.gates[hold].wait(30)
        return value

    def read(self) -> int:
        return self.storage.get("value", 0)
