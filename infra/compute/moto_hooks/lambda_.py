"""Lambda: every invocation moto makes (direct Invoke, and its internal paths) runs the real
handler in the compute plane; an asynchronous Invoke is queued, and a handler's exception is
"Unhandled", as Lambda says."""

from __future__ import annotations

import json
from typing import Any

from infra.compute import active
from infra.compute.moto_hooks import patches


def install() -> None:
    if not patches.claim(__name__):
        return
    from moto.awslambda.models import LambdaFunction

    original_invoke_lambda = LambdaFunction._invoke_lambda

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        plane = active.plane()
        if plane is None:
            return original_invoke_lambda(self, event)
        return plane.invoke_moto_function(self, event)

    # moto answers a failed Invoke with FunctionError "Handled"; Lambda says "Unhandled" for an
    # exception raised by the handler (and for a timeout). moto also runs an InvocationType=Event
    # invoke inside the call; Lambda queues it (202) and retries it when it fails.
    original_invoke = LambdaFunction.invoke

    def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        plane = active.plane()
        if plane is not None and request_headers.get("x-amz-invocation-type") == "Event":
            plane.invoke_async(self.function_arn, json.loads(body) if body else {})
            return b""
        result = original_invoke(self, body, request_headers, response_headers)
        if plane is not None and response_headers.get("x-amz-function-error") == "Handled":
            response_headers["x-amz-function-error"] = "Unhandled"
        return result

    patches.patch(LambdaFunction, "_invoke_lambda", _invoke_lambda)
    patches.patch(LambdaFunction, "invoke", invoke)
