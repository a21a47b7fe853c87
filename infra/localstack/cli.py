"""``python -m infra.localstack install|start|stop|status|env``: the command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from infra.localstack.exceptions import LocalStackHostError
from infra.localstack.host import LocalStackHost
from infra.localstack.processes import detach
from infra.localstack.settings import (DEFAULT_PORT, DEFAULT_STATE_DIR, LOCALSTACK_VERSION, STATE_DIR_ENV,
                                       default_state_dir, shell_exports)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra.localstack",
        description="Run localstack-core in host mode (no Docker) on 127.0.0.1.")
    parser.add_argument("--state-dir", default=None,
                        help=f"state folder (default: ${STATE_DIR_ENV} or {DEFAULT_STATE_DIR})")
    # --state-dir is accepted after the command too (``start --state-dir X``)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--state-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("install", parents=[common],
                   help="create the venv and prepare DynamoDB/Kinesis (idempotent)")
    start = sub.add_parser("start", parents=[common], help="start in the background and wait until healthy")
    start.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for health (default 90)")
    sub.add_parser("stop", parents=[common], help="stop the running instance")
    sub.add_parser("status", parents=[common], help="exit 0 if running, 3 if not")
    sub.add_parser("env", parents=[common], help="print export lines for a shell")
    for name in ("start", "stop", "status", "env"):
        sub.choices[name].add_argument("--port", type=int, default=None,
                                       help=f"gateway port (default {DEFAULT_PORT}, or the running one)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    state_dir = Path(args.state_dir) if args.state_dir else default_state_dir()
    port = getattr(args, "port", None)
    host = LocalStackHost(state_dir=state_dir, port=port or DEFAULT_PORT)
    try:
        if args.command == "install":
            host.install()
            print(f"LocalStack {LOCALSTACK_VERSION} installed in {host.install_dir}")
            return 0
        running = host.running_pid()
        recorded = host.recorded_port() if running is not None else None
        if recorded is not None and (port is None or args.command != "start"):
            host.port = recorded  # status, env and stop talk about the instance that runs
        if args.command == "start":
            print(host.start(timeout=args.timeout))
            started = host.running_pid()
            if started is not None:
                detach(started)
            return 0
        if args.command == "stop":
            host.stop()
            return 0
        if args.command == "status":
            if running is None:
                print(f"not running (endpoint would be {host.endpoint})")
                return 3
            health = host.health()
            state = "running" if health is not None else "running (not answering yet)"
            print(f"{state}: {host.endpoint} (pid {running})")
            return 0
        if args.command == "env":
            print("\n".join(shell_exports(host.port)))
            return 0
    except LocalStackHostError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `... env | head -1`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 2  # pragma: no cover - argparse rejects unknown commands
