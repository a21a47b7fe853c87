"""Java for DynamoDB Local: the system's JDK/JRE (17+), and the agent jar LocalStack passes to it.

LocalStack starts DynamoDB Local with ``-javaagent:<dir>/ddb-local-loader-0.1.jar``; its own agent
(downloaded from GitHub at run time) only lifts the 20-GSI limit. Ours does nothing: compiled with
javac when a JDK is at hand, else a class file assembled here (a JRE-only machine).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

from infra.localstack.exceptions import LocalStackHostError
from infra.localstack.settings import DDB_AGENT_CLASS, DDB_AGENT_JAR, MIN_JAVA
from infra.localstack.system import apt_install, can_apt, run

def find_java_home(allow_apt: bool = True) -> str:
    """JAVA home of the system Java (17 or newer); installs a JRE with apt-get when root."""
    java = None
    if os.environ.get("JAVA_HOME") and (Path(os.environ["JAVA_HOME"]) / "bin" / "java").exists():
        java = str(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    java = java or shutil.which("java")
    if java is None and allow_apt and can_apt():
        apt_install("openjdk-17-jre-headless")
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
        "Created-By: infra.localstack\r\n"
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


def build_agent_jar(java_home: str, jar_path: Path, log: Callable[[str], None]) -> None:
    """LocalStack starts DynamoDB Local with ``-javaagent:<dir>/ddb-local-loader-0.1.jar``; its own
    agent (downloaded from GitHub) only lifts the 20-GSI limit. Ours does nothing."""
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
            run([str(javac), "--release", "8", "-Xlint:-options", "-d", str(tmp / "classes"),
                 str(tmp / f"{DDB_AGENT_CLASS}.java")], "javac (agent jar)", timeout=120)
            built = tmp / DDB_AGENT_JAR
            run([str(jar_tool), "--create", "--file", str(built), "--manifest", str(tmp / "MANIFEST.MF"),
                 "-C", str(tmp / "classes"), "."], "jar (agent jar)", timeout=120)
            jar_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(built, jar_path)
        how = "javac + jar"
    else:
        write_agent_jar(jar_path)
        how = "python zipfile (no javac)"
    try:
        run([java, f"-javaagent:{jar_path}", "-version"], "checking the agent jar", timeout=60)
    except LocalStackHostError:
        jar_path.unlink(missing_ok=True)
        raise
    log(f"wrote {jar_path} ({how})")
