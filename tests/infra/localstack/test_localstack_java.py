"""Java for DynamoDB Local and the do-nothing agent jar."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
import zipfile

import pytest

from infra.localstack import java, settings


def test_parse_java_settings():
    out = textwrap.dedent("""\
        Property settings:
            java.home = /usr/lib/jvm/java-17-openjdk-amd64
            java.specification.version = 17
        openjdk version "17.0.15" 2025-04-15
        """)
    assert java.parse_java_settings(out) == ("/usr/lib/jvm/java-17-openjdk-amd64", 17)
    assert java.parse_java_settings("java.specification.version = 1.8\n") == (None, 8)
    assert java.parse_java_settings("nothing") == (None, None)


def test_agent_jar_written_without_a_jdk_has_a_premain_manifest(tmp_path):
    jar = java.write_agent_jar(tmp_path / "ddb-local-loader-0.1.jar")
    with zipfile.ZipFile(jar) as archive:
        manifest = archive.read("META-INF/MANIFEST.MF").decode()
        klass = archive.read(f"{settings.DDB_AGENT_CLASS}.class")
    assert f"Premain-Class: {settings.DDB_AGENT_CLASS}" in manifest
    assert klass[:4] == b"\xca\xfe\xba\xbe"


def test_agent_jar_written_without_a_jdk_loads_in_a_real_jvm(tmp_path):
    java_path = shutil.which("java")
    if java_path is None:
        pytest.skip("no java on PATH")
    jar = java.write_agent_jar(tmp_path / "agent.jar")
    result = subprocess.run([java_path, f"-javaagent:{jar}", "-version"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
