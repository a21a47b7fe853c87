"""Processes: pid files, /proc look-ups, ports, and stopping a process with everything it started.

LocalStack starts DynamoDB Local and kinesis-local in sessions of their own; stopping it means
finding its whole process tree first (they are re-parented to init once it is gone).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Mapping

from infra.localstack.settings import HOST, RUNTIME_MODULE
from infra.ports import free_port  # noqa: F401  (the package's free_port)

def read_pid_file(path: Path) -> int | None:
    """The pid in ``path``, or None when the file is missing, empty or not a positive number."""
    try:
        text = path.read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not text.isdigit() or int(text) <= 0:
        return None
    return int(text)


def process_state(pid: int) -> str | None:
    """One-letter state from /proc/<pid>/stat (``R``, ``S``, ``Z``...), or None if no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # comm is in parentheses and may contain spaces or parentheses: split after the last one
    rest = stat[stat.rfind(")") + 2 :].split()
    return rest[0] if rest else None


def process_cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def is_alive(pid: int) -> bool:
    """True if ``pid`` is a live process (a zombie counts as gone; our own zombies get reaped)."""
    reap(pid)
    if Path("/proc").is_dir():
        state = process_state(pid)
        return state is not None and state not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_localstack_process(pid: int) -> bool:
    """A live process running LocalStack's runtime module (guards against a reused pid)."""
    if not is_alive(pid):
        return False
    cmdline = process_cmdline(pid)
    if not cmdline and not Path("/proc").is_dir():
        return True  # no way to tell: trust the pid file
    return RUNTIME_MODULE in cmdline


def parent_map(proc_root: Path = Path("/proc")) -> dict[int, int]:
    """pid -> parent pid for every process visible in ``proc_root``."""
    parents: dict[int, int] = {}
    try:
        entries = list(proc_root.iterdir())
    except FileNotFoundError:
        return parents
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 2 and fields[1].lstrip("-").isdigit():
            parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(pid: int, parents: Mapping[int, int]) -> list[int]:
    """All processes below ``pid`` in the tree described by ``parents`` (pid -> ppid)."""
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    found: list[int] = []
    stack = list(children.get(pid, []))
    while stack:
        current = stack.pop()
        if current in found or current == pid:
            continue
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def port_is_free(port: int, host: str = HOST) -> bool:
    """True if a server could listen on ``host:port`` now (connections in TIME_WAIT do not count,
    as servers, LocalStack's included, bind with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


#: LocalStack processes this Python process started (pid -> Popen), so that their exit status is
#: collected through Popen (no zombie, no "still running" warning) whichever host object stops them.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def reap(pid: int) -> None:
    """Collect the exit status of ``pid`` if it is a finished child of ours."""
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is not None:
            del _CHILDREN[pid]
        return
    try:
        os.waitpid(pid, os.WNOHANG)
    except (ChildProcessError, OSError):
        pass


def detach(pid: int) -> None:
    """Leave a started child running after this process exits (the CLI's ``start``): init adopts it,
    and Popen must not warn that it is still running."""
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        child._child_created = False  # type: ignore[attr-defined] # what Popen.__del__ checks before warning


def track(process: subprocess.Popen[bytes]) -> None:
    """Remember a started child, so its exit status is collected through Popen."""
    _CHILDREN[process.pid] = process


def signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process group ``pid`` leads (started with start_new_session), else the process."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_tree(pid: int, grace: float) -> None:
    """SIGTERM ``pid``'s group, SIGKILL after ``grace`` seconds, then end whatever it started that
    outlived it (children in sessions of their own), and collect its exit status."""
    tree = set(descendants(pid, parent_map()))  # remembered before the parent goes
    signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and is_alive(pid):
        tree.update(descendants(pid, parent_map()))
        time.sleep(0.1)
    if is_alive(pid):
        tree.update(descendants(pid, parent_map()))
        signal_group(pid, signal.SIGKILL)
    leftovers = [child for child in tree if is_alive(child)]
    _signal_each(leftovers, signal.SIGTERM)
    end = time.monotonic() + 3
    while time.monotonic() < end and any(is_alive(child) for child in leftovers):
        time.sleep(0.1)
    _signal_each([child for child in leftovers if is_alive(child)], signal.SIGKILL)
    child = _CHILDREN.get(pid)
    if child is not None:
        try:
            child.wait(timeout=5)
            del _CHILDREN[pid]
        except subprocess.TimeoutExpired:
            pass
    for _ in range(50):
        if not is_alive(pid):
            break
        time.sleep(0.1)


def _signal_each(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
