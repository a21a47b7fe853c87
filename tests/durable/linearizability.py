"""A small linearizability checker (Wing & Gong's search with Lowe's memoization, as in Knossos
and Porcupine) for the histories the concurrency tests record.

An operation has an invocation and a completion time; an operation whose outcome is unknown
(its client crashed) has ``completed=None``: it may have taken effect at any time after its
invocation, or never. A history is linearizable when some order of its operations (every
completed one, any subset of the unknown ones) respects real time — an operation that completed
before another was invoked comes first — and is legal for the sequential model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable

INFINITY = float("inf")


@dataclass(frozen=True)
class Op:
    client: int
    kind: str  # counter: "inc", "read"; register: "write", "read"
    arg: Any
    result: Any
    invoked: float
    completed: float | None  # None: the outcome is unknown


# A model: step(state, op) -> the new state, or None when op's result is impossible in state.
Model = Callable[[Hashable, Op], Hashable | None]


def counter(state: Hashable, op: Op) -> Hashable | None:
    """``inc`` returns the new value; ``read`` returns the current one."""
    assert isinstance(state, int)
    if op.kind == "inc":
        new = state + op.arg
        return new if op.completed is None or op.result == new else None
    return state if op.completed is None or op.result == state else None


EMPTY_REGISTER = ("register", None)  # the register's state is ("register", value): never None,
# which a model returns for an illegal step, so a read of the empty register stays legal


def register(state: Hashable, op: Op) -> Hashable | None:
    """Start from ``EMPTY_REGISTER``; ``write`` sets the value, ``read`` returns it (None if unset)."""
    assert isinstance(state, tuple)
    if op.kind == "write":
        return ("register", op.arg)
    return state if op.completed is None or op.result == state[1] else None


def check(history: list[Op], model: Model, initial: Hashable) -> bool:
    """A read (an operation that leaves the state as it is) that may go next and is legal now is
    taken at once without branching: moving it earlier can break no order and changes no state.
    Reads of unknown outcome constrain nothing and are dropped."""
    ops = sorted((o for o in history if not (o.kind == "read" and o.completed is None)), key=lambda o: o.invoked)
    ends = [o.completed if o.completed is not None else INFINITY for o in ops]
    required = sum(1 << i for i, o in enumerate(ops) if o.completed is not None)
    seen: set[tuple[int, Hashable]] = set()
    stack: list[tuple[int, Hashable]] = [(0, initial)]
    while stack:
        done, state = stack.pop()
        if (done, state) in seen:
            continue
        seen.add((done, state))
        while True:  # take every read that may go next and is legal now
            window = _window(done, ops, ends)
            reads = [i for i in window if ops[i].kind == "read" and model(state, ops[i]) is not None]
            if not reads:
                break
            for i in reads:
                done |= 1 << i
        if done & required == required:
            return True
        for i in window:
            if ops[i].kind != "read":
                new_state = model(state, ops[i])
                if new_state is not None:
                    stack.append((done | 1 << i, new_state))
    return False


def _window(done: int, ops: list[Op], ends: list[float]) -> list[int]:
    """The operations not yet taken that may go next: those invoked before the earliest completion
    among the operations not yet taken (ops are sorted by invocation, so the scan stops early)."""
    i = (~done & (done + 1)).bit_length() - 1  # the first one not taken
    horizon = INFINITY
    window = []
    while i < len(ops) and ops[i].invoked <= horizon:
        if not done >> i & 1:
            window.append(i)
            horizon = min(horizon, ends[i])
        i += 1
    return [j for j in window if ops[j].invoked <= horizon]
