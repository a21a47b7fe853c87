"""The machine: running commands, finding a Python 3.13 interpreter, installing with apt-get."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterable, Mapping

from infra.localstack.exceptions import LocalStackHostError
from infra.localstack.settings import PYTHON_ENV, PYTHON_VERSION


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(cmd: list[str], what: str, timeout: float, env: Mapping[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command; a missing program, a timeout or a non-zero exit is one line naming ``what``."""
    try:
        result = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=None if env is None else dict(env),
            cwd=None if cwd is None else str(cwd), stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        raise LocalStackHostError(f"{what}: {cmd[0]} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise LocalStackHostError(f"{what}: timed out after {timeout:.0f} s") from exc
    if result.returncode != 0:
        output = (result.stderr.strip() or result.stdout.strip()).splitlines()
        last = next((line for line in reversed(output) if line.strip()), "no output")
        raise LocalStackHostError(f"{what} failed (exit {result.returncode}): {last.strip()}")
    return result


def make_ignored_dir(path: Path) -> None:
    """Create ``path`` with a ``.gitignore`` of ``*`` so that git never picks up the state (as venv does)."""
    path.mkdir(parents=True, exist_ok=True)
    ignore = path / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# created by infra.localstack\n*\n")


# -- Python 3.13 ------------------------------------------------------------------------------


def pyenv_roots(environ: Mapping[str, str]) -> list[Path]:
    """Where pyenv keeps its versions: $PYENV_ROOT, what ``pyenv root`` says, ~/.pyenv."""
    roots = [Path(environ["PYENV_ROOT"])] if environ.get("PYENV_ROOT") else []
    pyenv = shutil.which("pyenv", path=environ.get("PATH"))
    if pyenv:
        try:
            answer = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            answer = ""
        if answer:
            roots.append(Path(answer))
    if environ.get("HOME"):
        roots.append(Path(environ["HOME"]) / ".pyenv")
    return list(dict.fromkeys(roots))


def python_candidates(environ: Mapping[str, str]) -> list[str]:
    """Interpreters to try, in order: $LOCALSTACK_PYTHON, pyenv's 3.13 versions (newest first),
    then python3.13 and python3 on PATH."""
    major, minor = PYTHON_VERSION
    found = [environ[PYTHON_ENV]] if environ.get(PYTHON_ENV) else []
    for root in pyenv_roots(environ):
        versions = sorted((v for v in (root / "versions").glob(f"{major}.{minor}*")
                           if v.name == f"{major}.{minor}" or v.name[len(f"{major}.{minor}")] in ".-"),
                          key=_version_key, reverse=True)
        found += [str(version / "bin" / "python3") for version in versions]
    for name in (f"python{major}.{minor}", "python3"):
        path = shutil.which(name, path=environ.get("PATH"))
        if path:
            found.append(path)
    return list(dict.fromkeys(found))


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in path.name.split("."))


def find_python313(candidates: Iterable[str] | None = None, environ: Mapping[str, str] | None = None) -> str:
    """A Python 3.13 interpreter (localstack-core 2026.3.0 needs it): the first of
    ``python_candidates`` (or ``candidates``) that is one. $LOCALSTACK_PYTHON naming another
    version is an error, not a hint to look further."""
    environ = os.environ if environ is None else environ
    options = list(python_candidates(environ) if candidates is None else candidates)
    major, minor = PYTHON_VERSION
    for option in options:
        path = option if os.sep in option else shutil.which(option)
        if path and _python_version(path) == (major, minor):
            return path
        if option == environ.get(PYTHON_ENV):
            raise LocalStackHostError(f"${PYTHON_ENV}={option} is not a Python {major}.{minor} interpreter")
    raise LocalStackHostError(
        f"Python {major}.{minor} not found (localstack-core needs it; looked at: {', '.join(options) or 'nothing'}): "
        f"set {PYTHON_ENV}, or install it, e.g. `pyenv install {major}.{minor}`")


def _python_version(path: str) -> tuple[int, int] | None:
    if not os.access(path, os.X_OK):
        return None
    try:
        out = subprocess.run([path, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
                             capture_output=True, text=True, timeout=30).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (int(out[0]), int(out[1])) if len(out) == 2 and all(part.isdigit() for part in out) else None


# -- apt-get ----------------------------------------------------------------------------------


def can_apt() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_install(package: str) -> None:
    say(f"apt-get install -y {package}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update"], "apt-get update", timeout=600, env=env)
    run(["apt-get", "install", "-y", "--no-install-recommends", package], f"apt-get install {package}",
        timeout=1200, env=env)
