"""AWS service integrations: API Gateway calls a service API with the request its mapping
template rendered — ``arn:aws:apigateway:{region}:{service}:action/{Action}`` (a JSON body:
Step Functions, Kinesis, DynamoDB...) or ``...:sqs:path/{account}/{queue}`` (a form body:
``Action=SendMessage&MessageBody=...``) — through the target's boto3 clients, and answers with the
service's JSON response (what the integration response templates read with ``$input.path``).
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any, Callable
from urllib.parse import parse_qsl

from botocore.exceptions import ClientError, ParamValidationError
from botocore.model import Shape

from infra.metering.meter import unmetered

_BOTO_NAMES = {"states": "stepfunctions", "execute-api": "apigateway"}


class UnsupportedIntegration(Exception):
    """The integration's URI names something the front door cannot call."""


def parse_uri(uri: str) -> tuple[str, str, str]:
    """(service, "action" | "path", the rest) of an API Gateway service integration URI."""
    parts = uri.split(":", 5)
    if len(parts) != 6 or parts[2] != "apigateway":
        raise UnsupportedIntegration(f"not an API Gateway service integration URI: {uri}")
    kind, _, rest = parts[5].partition("/")
    if kind not in ("action", "path"):
        raise UnsupportedIntegration(f"{uri}: expected action/... or path/...")
    return parts[4], kind, rest


def call(clients: Callable[[str], Any], uri: str, body: str, content_type: str) -> tuple[int, bytes]:
    """Make the service call; returns (HTTP status, JSON response body) as the service answers."""
    service, kind, rest = parse_uri(uri)
    client = clients(_BOTO_NAMES.get(service, service))
    form = content_type.startswith("application/x-www-form-urlencoded")
    if form:
        fields = dict(parse_qsl(body, keep_blank_values=True))
        action = fields.pop("Action", None) or (rest if kind == "action" else None)
        params: dict[str, Any] = fields
    else:
        try:
            params = json.loads(body) if body.strip() else {}
        except ValueError:
            return 400, _error("SerializationException", "the integration request is not JSON", form)
        if not isinstance(params, dict):
            return 400, _error("SerializationException", "the integration request is not a JSON object", form)
        action = rest if kind == "action" else params.pop("Action", None)
    if not action:
        return 400, _error("MissingAction", "no Action in the integration request", form)
    if kind == "path" and service == "sqs" and "QueueUrl" not in params:
        account, _, queue = rest.partition("/")
        try:
            with unmetered():  # metering: API Gateway addresses the queue by path; no GetQueueUrl on AWS
                params["QueueUrl"] = client.get_queue_url(QueueName=queue, QueueOwnerAWSAccountId=account)["QueueUrl"]
        except ClientError as exc:
            return _client_error(exc, form)
    model = client.meta.service_model
    if action not in model.operation_names:
        return 400, _error("InvalidAction", f"{service} has no action {action}", form)
    operation = model.operation_model(action)
    try:
        kwargs = _to_python(params, operation.input_shape, from_form=form) if operation.input_shape else {}
        result = getattr(client, _snake(action, client))(**kwargs)
    except ClientError as exc:
        return _client_error(exc, form)
    except (ParamValidationError, ValueError, TypeError) as exc:  # the request does not fit the API
        return 400, _error("ValidationException", str(exc).replace("\n", " "), form)
    result.pop("ResponseMetadata", None)
    out = _to_json(result, operation.output_shape) if operation.output_shape else {}
    if form:  # the query protocol's JSON form: {"SendMessageResponse": {"SendMessageResult": {...}}}
        out = {f"{action}Response": {f"{action}Result": out, "ResponseMetadata": {"RequestId": str(uuid.uuid4())}}}
    return 200, json.dumps(out).encode()


def _snake(action: str, client: Any) -> str:
    for name, op in client.meta.method_to_api_mapping.items():
        if op == action:
            return name
    raise UnsupportedIntegration(action)


def _error(code: str, message: str, form: bool) -> bytes:
    if form:
        return json.dumps({"Error": {"Code": code, "Message": message, "Type": "Sender"}}).encode()
    return json.dumps({"__type": code, "message": message}).encode()


def _client_error(exc: ClientError, form: bool) -> tuple[int, bytes]:
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 400)
    err = exc.response.get("Error", {})
    return status, _error(str(err.get("Code", "Error")), str(err.get("Message", exc)), form)


def _to_python(value: Any, shape: Shape, from_form: bool) -> Any:
    """A wire value as boto3 takes it: blobs decoded from base64, form strings converted."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise ValueError(f"{shape.name} must be an object")
        members = shape.members
        unknown = sorted(set(value) - set(members))
        if unknown:
            raise ValueError(f"unknown parameters {unknown} for {shape.name}")
        return {k: _to_python(v, members[k], from_form) for k, v in value.items()}
    if kind == "list":
        return [_to_python(v, shape.member, from_form) for v in value]
    if kind == "map":
        return {k: _to_python(v, shape.value, from_form) for k, v in value.items()}
    if kind == "blob":
        return base64.b64decode(value)
    if from_form and isinstance(value, str):
        if kind in ("integer", "long"):
            return int(value)
        if kind == "boolean":
            return value.lower() == "true"
        if kind in ("float", "double"):
            return float(value)
    return value


def _to_json(value: Any, shape: Shape) -> Any:
    """boto3's parsed result back in the wire's JSON form (blobs base64, timestamps epoch seconds)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {k: _to_json(v, shape.members[k]) if k in shape.members else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_to_json(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _to_json(v, shape.value) for k, v in value.items()}
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.timestamp()
    return value
