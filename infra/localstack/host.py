"""One LocalStack instance: started in the background as its own process group, bound to
127.0.0.1, found again by its pid file, stopped with everything it started."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request

from infra.localstack.exceptions import LocalStackHostError
from infra.localstack.install import Installation
from infra.localstack.processes import (is_localstack_process, port_is_free, read_pid_file, stop_tree, tail,
                                        track)
from infra.localstack.settings import HOST, LOCALSTACK_VERSION, RUNTIME_MODULE, STOP_GRACE_SECONDS
from infra.localstack.system import make_ignored_dir


class LocalStackHost(Installation):
    """``LocalStackHost(state_dir, port, install_dir).start()`` -> its endpoint; ``stop()``."""

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
        make_ignored_dir(self.state_dir)
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
        track(process)
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
        stop_tree(pid, grace)
        self._clear_pid_files()
        if not quiet:
            self._log(f"LocalStack stopped (pid {pid})")
        return True

    def __enter__(self) -> "LocalStackHost":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop(quiet=True)
