"""Faults in the handlers' own AWS calls: DynamoDB throttling and transient 5xx, answered by the service.

moto authorizes every request it serves in ``_authenticate_and_authorize_action`` (where
IAM enforcement looks at the caller too, infra/compute/iam/hook.py). A request signed with a
function's role session credentials — a handler's call — may be answered there, before the
operation runs, with ProvisionedThroughputExceededException (DynamoDB's data operations) or a
5xx (InternalError / ServiceUnavailable, any service), as AWS answers them; boto3's own retries
then apply, as on AWS. Their backoff is not slept while faults are on (time is virtual).
The workload's own calls (not a function's) are never failed.
"""

from __future__ import annotations

from typing import Any

from infra.compute.moto_hooks import patches

DYNAMODB_DATA_OPERATIONS = frozenset({
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
    "TransactGetItems", "TransactWriteItems",
})
SERVER_ERRORS = (("InternalError", 500, "We encountered an internal error. Please try again."),
                 ("ServiceUnavailable", 503, "Service is unable to handle request."))
DYNAMODB_SERVER_ERRORS = (("InternalServerError", 500, "Internal server error"),)

def install() -> None:
    if not patches.claim(__name__):
        return
    from moto.core.authorization import ActionAuthenticatorMixin

    original = ActionAuthenticatorMixin._authenticate_and_authorize_action  # IAM's check included

    def _authenticate_and_authorize_action(self: Any, iam_request_cls: Any, resource: str = "*") -> None:
        original(self, iam_request_cls, resource)
        fault = _fault_for(self)
        if fault is not None:
            raise fault

    patches.patch(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", _authenticate_and_authorize_action)
    _no_backoff_sleep()


def _fault_for(response: Any) -> Exception | None:
    from infra.compute import faults
    from infra.compute.iam.sessions import principal_for

    injector = faults.active()
    if injector is None:
        return None
    if principal_for(getattr(response, "access_key", None) or response.get_access_key()) is None:
        return None  # not a function's call
    service = response.service_name or ""
    if service == "dynamodb" and response._get_action() in DYNAMODB_DATA_OPERATIONS \
            and injector.decide("dynamodb_throttle"):
        return service_error(response, "ProvisionedThroughputExceededException", 400,
                             "The level of configured provisioned throughput for the table was exceeded. "
                             "Consider increasing your provisioning level with the UpdateTable API.")
    if injector.decide("service_5xx"):
        choices = DYNAMODB_SERVER_ERRORS if service == "dynamodb" else SERVER_ERRORS
        code, status, message = choices[injector.draw("service_5xx", 0, len(choices) - 1)]
        return service_error(response, code, status, message)
    return None


def service_error(response: Any, code: str, status: int, message: str) -> Exception:
    """An error in the service's own shape (JSON services, SQS's query code, XML and S3's root <Error>)."""
    from xml.sax.saxutils import escape

    from moto.core.exceptions import JsonRESTError, _RESTError

    from infra.compute.iam.hook import _protocol

    protocol = _protocol(response.boto3_service_name)
    if protocol in ("json", "rest-json"):
        error: Any = JsonRESTError(code, message)
        if response.service_name == "sqs":
            response.response_headers["x-amzn-query-error"] = f"{code};{'Sender' if status < 500 else 'Receiver'}"
    else:
        error = _RESTError(code, message) if status < 500 else type(
            "ServerError", (_RESTError,), {"include_type_sender": False})(code, message)
        if protocol == "rest-xml":
            error.description = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>"
                                 f"<Message>{escape(message)}</Message></Error>")
    error.code = status
    return error


def _no_backoff_sleep() -> None:
    """boto3's retries keep their number and order, but wait no real time while faults are on."""
    import botocore.retries.standard as standard
    import botocore.retryhandler as legacy

    from infra.compute import faults

    original_legacy = legacy.delay_exponential

    def delay_exponential(base: Any, growth_factor: float, attempts: int) -> float:
        return 0.0 if faults.active() is not None else original_legacy(base, growth_factor, attempts)

    patches.patch(legacy, "delay_exponential", delay_exponential)
    original_standard = standard.ExponentialBackoff.delay_amount

    def delay_amount(self: Any, context: Any) -> float:
        return 0.0 if faults.active() is not None else original_standard(self, context)

    patches.patch(standard.ExponentialBackoff, "delay_amount", delay_amount)
