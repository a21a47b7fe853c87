"""Checks every request a function makes (with its role session credentials) before moto runs it.

moto calls ``_authenticate_and_authorize_action`` on every request it serves (its own IAM
simulation, off by default); that one place is where this hook looks at the caller. A request
signed with a function's role session credentials is turned into its IAM action(s) and
resource ARN(s) (requests.py) and evaluated (policy.py) against the role's identity policies
and the resource's policy (policies.py); a denial is answered with AWS's AccessDenied error in
the service's own shape. Any other caller takes moto's path unchanged.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from infra.compute.iam import deliveries, enforcing, policies
from infra.compute.iam.exceptions import IamError
from infra.compute.iam.policy import Principal, Request, evaluate
from infra.compute.iam.requests import Call, authorizations
from infra.compute.iam.sessions import principal_for
from infra.compute.moto_hooks import patches

stats = {"checked": 0, "denied": 0}


def install() -> None:
    if not patches.claim(__name__):
        return
    policies.install()
    deliveries.install()
    from moto.core.authorization import ActionAuthenticatorMixin

    original = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def _authenticate_and_authorize_action(self: Any, iam_request_cls: Any, resource: str = "*") -> None:
        principal = principal_for(getattr(self, "access_key", None) or self.get_access_key())
        if principal is None or not enforcing():
            return original(self, iam_request_cls, resource)
        self._toolkit_iam_checked = True
        authorize(self, principal, resource)

    patches.patch(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", _authenticate_and_authorize_action)
    _hook_management_api()


def _hook_management_api() -> None:
    """The management API's stage-path requests (https://{api}.execute-api.../{stage}/@connections/id)
    skip moto's authorization step: check them before the operation runs."""
    from moto.apigatewaymanagementapi.responses import ApiGatewayManagementApiResponse

    for name in ("get_connection", "post_to_connection", "delete_connection"):
        original = getattr(ApiGatewayManagementApiResponse, name)

        def method(self: Any, __original: Any = original) -> Any:
            if not getattr(self, "_toolkit_iam_checked", False):
                self._authenticate_and_authorize_action(None)
            return __original(self)

        patches.patch(ApiGatewayManagementApiResponse, name, method)


def authorize(response: Any, principal: Principal, moto_resource: str) -> None:
    """Raise AWS's AccessDenied (in the service's shape) unless every authorization the request
    needs is allowed."""
    denial = first_denial(principal, _call(response, moto_resource))
    if denial is not None:
        raise access_denied(response, principal, *denial)


def first_denial(principal: Principal, call: Call) -> tuple[str, str, str] | None:
    """(action, resource, reason) of the first authorization the call needs that is not allowed."""
    context = {"aws:principalarn": principal.role_arn, "aws:principalaccount": principal.account,
               "aws:principaltype": "AssumedRole", "aws:securetransport": "true",
               "aws:requestedregion": call.region}
    identity = policies.identity_policies(principal.role_arn)
    for action, resource in authorizations(call):
        stats["checked"] += 1
        try:
            outcome = evaluate(Request(principal, action, resource, context), identity,
                               policies.resource_policy(resource, call.account))
        except IamError as exc:  # fail closed, saying why
            stats["denied"] += 1
            return action, resource, f"because {exc}"
        if not outcome.allowed:
            stats["denied"] += 1
            reason = (f"with an explicit deny in {outcome.where}" if outcome.decision == "ExplicitDeny"
                      else f"because no identity-based policy allows the {action} action")
            return action, resource, reason
    return None


def _call(response: Any, moto_resource: str) -> Call:
    service = response.service_name or ""
    operation = _operation(response, service)
    return Call(service=service, operation=operation, region=response.region, account=response.current_account,
                params=_params(response, service), path=unquote(response.path or "/"),
                host=response.headers.get("Host", ""), method=response.method, resource=moto_resource or "*",
                headers=response.headers, body=_raw_body(response) if service == "s3" else b"")


def _operation(response: Any, service: str) -> str:
    if service == "s3":
        action = response.data.get("Action") if isinstance(response.data, dict) else None
        if isinstance(action, list):
            action = action[0]
        return action or response._get_action()
    if service == "apigatewaymanagementapi":
        return "ManageConnections"
    return response._get_action()


def _params(response: Any, service: str) -> dict[str, Any]:
    """The request's parameters: its JSON body (moto's DynamoDB handler has parsed it already),
    else its query string / form (first value of each)."""
    body = response.body
    if isinstance(body, dict):
        return body
    if service == "s3":  # an object's bytes, not parameters (decoding a 2 MB upload took ~5 ms)
        body = None
    elif isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    params: dict[str, Any] = {}
    if isinstance(body, str) and body.lstrip().startswith("{"):
        try:
            loaded = json.loads(body)
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            params.update(loaded)
    for key, values in (response.querystring or {}).items():
        params.setdefault(key, values[0] if isinstance(values, list) and values else values)
    return params


def _raw_body(response: Any) -> bytes:
    body = getattr(response, "raw_body", None) or response.body or b""
    return body if isinstance(body, bytes) else str(body).encode()


@lru_cache(maxsize=None)
def _protocol(service: str) -> str:
    from moto.core.utils import get_service_model

    try:
        return str(get_service_model(service).protocol)
    except Exception:  # noqa: BLE001 - unknown to botocore: answer in JSON
        return "json"


def access_denied(response: Any, principal: Principal, action: str, resource: str, reason: str) -> Exception:
    """AWS's AccessDenied for this service: AccessDeniedException (JSON services), AccessDenied
    (XML: S3, SNS, the query services); SQS's JSON error carries the query code AccessDenied."""
    from moto.core.exceptions import AccessDeniedError, JsonRESTError

    message = f"User: {principal.arn} is not authorized to perform: {action} on resource: {resource} {reason}"
    protocol = _protocol(response.boto3_service_name)
    if protocol in ("json", "rest-json") or response.service_name == "apigatewaymanagementapi":
        error: Any = JsonRESTError("AccessDeniedException", message)
        if response.service_name == "sqs":
            response.response_headers["x-amzn-query-error"] = "AccessDenied;Sender"
    else:
        error = AccessDeniedError(principal.arn, f"{action} on resource: {resource} {reason}")
        if protocol == "rest-xml":  # S3 answers <Error> at the root, not wrapped in <ErrorResponse>
            error.description = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
                                 f"<Message>{escape(message)}</Message></Error>")
    error.code = 403
    return error
