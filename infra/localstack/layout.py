"""Where an instance keeps everything (its state folder, and the installation it runs from) and
the environment LocalStack runs with.

    <state dir>/venv/                 Python 3.13 venv with localstack-core
    <state dir>/filesystem/           LocalStack's FILESYSTEM_ROOT (libs under var/lib/localstack/lib)
    <state dir>/config/               LocalStack's CONFIG_DIR
    <state dir>/localstack.pid        process id (= process group id) of the running gateway
    <state dir>/localstack.port       port it listens on
    <state dir>/localstack.log        its stdout and stderr
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from infra.localstack.settings import (DEFAULT_PORT, EXECUTOR_NAME, HOST, KINESIS_LOCAL_VERSION,
                                       LOCALSTACK_JAVA_VERSION, DDB_AGENT_JAR, default_state_dir, endpoint_for)

# Environment variables of the caller that must not leak into LocalStack's Python 3.13 process.
_DROPPED_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "__PYVENV_LAUNCHER__")
_DROPPED_ENV_PREFIXES = ("AWS_ENDPOINT_URL",)


class Layout:
    """``install_dir`` holds the venv and the prepared libraries (Java link, DynamoDB Local, Kinesis);
    it defaults to ``state_dir``. A second instance (a test on a free port) can use its own
    ``state_dir`` and share an existing installation through ``install_dir``."""

    def __init__(self, state_dir: str | os.PathLike[str] | None = None, port: int = DEFAULT_PORT,
                 install_dir: str | os.PathLike[str] | None = None) -> None:
        self.state_dir = Path(state_dir).expanduser().resolve() if state_dir else default_state_dir()
        self.install_dir = Path(install_dir).expanduser().resolve() if install_dir else self.state_dir
        self.port = int(port)

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
                # infra/localstack/toolkit_lambda_executor.py
                "LAMBDA_RUNTIME_EXECUTOR": EXECUTOR_NAME,
                "PATH": os.pathsep.join([str(self.venv_dir / "bin"), env.get("PATH", os.defpath)]),
            }
        )
        return env

    def install_env(self) -> dict[str, str]:
        # same environment as the runtime, but rooted in the installation folder
        env = self.build_env()
        env["FILESYSTEM_ROOT"] = str(self.install_dir / "filesystem")
        env["CONFIG_DIR"] = str(self.install_dir / "config")
        return env
