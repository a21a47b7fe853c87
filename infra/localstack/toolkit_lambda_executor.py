"""A LocalStack Lambda runtime executor for host mode (no Docker): LocalStack keeps everything it
does around an invocation — event source mappings, S3/SNS/API Gateway/Step Functions triggers,
retries, logs — and hands the invocation itself to the toolkit's compute plane over HTTP.

Installed into LocalStack's own virtual environment by ``python -m infra.localstack install``
and selected with ``LAMBDA_RUNTIME_EXECUTOR=toolkit``. It imports nothing of the toolkit: it only
reads where the compute plane listens from the SSM parameter ``/serverless-patterns-toolkit/
compute-plane-url`` (written by the toolkit's process, in the function's account and region) and
POSTs ``{"functionArn", "requestId", "payload"}`` to ``<url>/invoke``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from localstack.aws.connect import connect_to
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import RuntimeExecutor

PARAMETER = "/serverless-patterns-toolkit/compute-plane-url"
INVOKE_TIMEOUT_SECONDS = 905  # Lambda's 900 s maximum plus a margin; the plane enforces the function's own


class ToolkitRuntimeExecutor(RuntimeExecutor):
    def start(self, env_vars: dict[str, str]) -> None:
        """Nothing to start: the handler runs in the toolkit's process."""

    def stop(self) -> None:
        pass

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        return ""

    def get_logs(self) -> str:
        return ""

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        """Nothing to prepare: no image, no runtime binary (the function becomes Active)."""

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        return True

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        try:
            url = self._compute_plane_url()
            body = json.dumps({"functionArn": payload["invoked-function-arn"], "requestId": request_id,
                               "payload": payload["payload"]}).encode()
            request = urllib.request.Request(f"{url}/invoke", data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=INVOKE_TIMEOUT_SECONDS) as response:
                answer = json.loads(response.read())
        except (LookupError, urllib.error.URLError, OSError, ValueError) as exc:
            error = {"errorType": "ToolkitComputePlaneUnavailable",
                     "errorMessage": f"no toolkit compute plane answered for this LocalStack ({exc}); "
                                     f"'python samplecli.py run PATTERN --target localstack' attaches one"}
            return InvocationResult(request_id, json.dumps(error).encode(), True, f"{error['errorMessage']}\n")
        return InvocationResult(request_id, answer["payload"].encode(), bool(answer["isError"]), answer.get("logs"))

    def _compute_plane_url(self) -> str:
        version_id = self.function_version.id
        ssm = connect_to(aws_access_key_id=version_id.account, region_name=version_id.region).ssm
        try:
            return ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"].rstrip("/")
        except ssm.exceptions.ParameterNotFound as exc:
            raise LookupError(f"SSM parameter {PARAMETER} is not set") from exc


class ToolkitRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = "toolkit"

    def load(self, *args, **kwargs):
        return ToolkitRuntimeExecutor
