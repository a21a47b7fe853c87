"""Where moto shortcuts or fakes a behaviour, hand it to the compute plane (moto 5.2.5 is pinned).

- Lambda invocations (direct Invoke, and every moto-internal path) run the real handler.
- S3 event records carry the fields AWS sends; S3 -> Lambda and SNS -> Lambda are asynchronous
  invocations with the real event shapes (moto sends a canned SNS event).
- SQS reads the compute plane's clock (visibility timeouts, delays). moto's own event source
  mappings (SQS, Kinesis, DynamoDB Streams) are switched off by each source, next to its code
  (infra/compute/sources/): the compute plane polls instead.
- API Gateway's management API (post_to_connection & co) reaches the WebSocket front door's
  real sockets when one is serving (moto's own backend appends the data to a byte string).
- DynamoDB requests are serialized, so conditional writes are atomic under threads; a
  TransactWriteItems snapshots the items it touches for its rollback (moto deep-copies every
  table it touches, which makes each transaction cost O(table size)).
Each hook falls back to moto's behaviour when no compute plane is active.
"""

from __future__ import annotations

import itertools
import json
import string
import threading
import uuid
from io import BytesIO
from typing import Any, Protocol
from urllib.parse import quote_plus, urlparse

from infra.compute.iam.hook import install as install_iam_enforcement
from infra.compute.moto_memory import install as install_memory_bounds


class Plane(Protocol):
    def now(self) -> float: ...
    def invoke_moto_function(self, fn: Any, event: Any) -> tuple[str, bool, str]: ...
    def invoke_async(self, function_arn: str, event: dict[str, Any]) -> None: ...


_active: Plane | None = None
_connections: Any = None  # the WebSocket front door serving connections (infra/compute/websocket)
_installed = False
_dynamodb_lock = threading.RLock()
dynamodb_lock = _dynamodb_lock  # metering: infra/metering measures DynamoDB writes under it
_sequencer = itertools.count(1)


def activate(plane: Plane | None) -> None:
    global _active
    install()
    _active = plane


def active() -> Plane | None:
    return _active


def serve_connections(door: Any) -> None:
    global _connections
    install()
    _connections = door


def connections() -> Any:
    return _connections


PINNED_MOTO = "5.2.5"  # pyproject.toml pins the same: the hooks use moto's private API


def check_moto_version(installed: str | None = None) -> None:
    """A clear error, before any hook, when the installed moto is not the one the hooks were written for."""
    if installed is None:
        import moto

        installed = moto.__version__
    if installed != PINNED_MOTO:
        from infra.exceptions import ToolkitError

        raise ToolkitError(f"moto {installed} is installed, but the toolkit's compute plane hooks moto "
                           f"{PINNED_MOTO}'s private API: pip install 'moto[server]=={PINNED_MOTO}' "
                           f"(or pip install -e . in this project)")


def install() -> None:
    global _installed
    if _installed:
        return
    check_moto_version()
    _installed = True
    _hook_lambda()
    _hook_sqs()
    _hook_s3_events()
    _hook_sns_lambda()
    _hook_dynamodb()
    _hook_websocket_management()
    _hook_iam()
    _hook_dispatch()
    _hook_request_build()
    install_memory_bounds()  # moto's per-traffic structures bounded (infra/compute/moto_memory.py)
    from infra.metering import hooks as metering_hooks  # metering: counts every request (infra/metering)
    metering_hooks.install()
    from infra.compute.sources import install_moto_hooks as sources_switch_off_moto_shortcuts

    sources_switch_off_moto_shortcuts()  # each event source hooks moto next to its own code
    install_iam_enforcement()  # IAM enforced locally (infra/compute/iam): checks functions' calls
    from infra.compute.stepfunctions import hooks as stepfunctions_hooks  # Step Functions on the clock

    stepfunctions_hooks.install()


def _hook_lambda() -> None:
    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction._invoke_lambda

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        if _active is None:
            return original(self, event)
        return _active.invoke_moto_function(self, event)

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]

    # moto answers a failed Invoke with FunctionError "Handled"; Lambda says "Unhandled" for an
    # exception raised by the handler (and for a timeout). moto also runs an InvocationType=Event
    # invoke inside the call; Lambda queues it (202) and retries it when it fails.
    original_invoke = LambdaFunction.invoke

    def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        if _active is not None and request_headers.get("x-amz-invocation-type") == "Event":
            _active.invoke_async(self.function_arn, json.loads(body) if body else {})
            return b""
        result = original_invoke(self, body, request_headers, response_headers)
        if _active is not None and response_headers.get("x-amz-function-error") == "Handled":
            response_headers["x-amz-function-error"] = "Unhandled"
        return result

    LambdaFunction.invoke = invoke  # type: ignore[method-assign]


def _hook_sqs() -> None:
    import moto.sqs.models as sqs_models

    original_unix_time = sqs_models.unix_time

    def unix_time(dt: Any = None) -> float:
        if dt is None and _active is not None:
            return _active.now()
        return original_unix_time(dt)

    sqs_models.unix_time = unix_time
    sqs_models.unix_time_millis = lambda dt=None: unix_time(dt) * 1000.0

    # A FIFO group stays locked while any of its received messages is "pending". moto releases
    # the pending messages whose visibility timeout passed one by one *during* ReceiveMessage, so
    # when a1, a2, a3 of one group all come back, a1 and a2 are skipped (a3 still pends) and a3 is
    # delivered first. Release every expired one before the receive, so the group resumes in order.
    original_receive = sqs_models.SQSBackend.receive_message

    def receive_message(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        queue = self.get_queue(queue_name)
        for message in [m for m in queue.pending_messages if m.visible]:
            queue.pending_messages.discard(message)
        return original_receive(self, queue_name, *args, **kwargs)

    sqs_models.SQSBackend.receive_message = receive_message  # type: ignore[method-assign]


def _hook_s3_events() -> None:
    import moto.s3.notifications as notifications

    original_event = notifications._get_s3_event
    original_invoke = notifications._invoke_awslambda

    def _get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event = original_event(event_name, bucket, key, notification_id)
        for record in event["Records"]:
            record["userIdentity"] = {"principalId": "AWS:AIDAEXAMPLELOCAL"}
            record["requestParameters"] = {"sourceIPAddress": "127.0.0.1"}
            record["responseElements"] = {
                "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                "x-amz-id-2": uuid.uuid4().hex,
            }
            obj = record["s3"]["object"]
            # URL-encoded as S3 does it: spaces as '+', but a '/' stays a '/' (moto sends %2F)
            obj["key"] = quote_plus(key.name, safe="/")
            obj["sequencer"] = f"{next(_sequencer):016X}"
            if getattr(key, "version_id", None) and key.version_id != "null":
                obj["versionId"] = key.version_id
            record["s3"]["bucket"]["ownerIdentity"] = {"principalId": "AEXAMPLELOCAL"}
        return event

    def _invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        if _active is None:
            return original_invoke(account_id, event_body, fn_arn, region_name)
        _active.invoke_async(fn_arn, event_body)

    notifications._get_s3_event = _get_s3_event
    notifications._invoke_awslambda = _invoke_awslambda


def _hook_sns_lambda() -> None:
    from moto.core.utils import iso_8601_datetime_with_milliseconds
    from moto.sns.models import Subscription

    original = Subscription.publish

    def publish(self: Any, message: str, message_id: str, subject: str | None = None,
                message_attributes: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
        if _active is None or self.protocol != "lambda":
            return original(self, message, message_id, subject, message_attributes, *args, **kwargs)
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
            message_attributes, message
        ):
            return None
        region = self.topic.arn.split(":")[3]
        sns = {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": self.topic.arn,
            "Subject": subject,
            "Message": message,
            "Timestamp": iso_8601_datetime_with_milliseconds(),
            "SignatureVersion": "1",
            "Signature": "EXAMPLElocalsignature",
            "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-local.pem",
            "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={self.arn}",
            "MessageAttributes": {
                name: {"Type": value["Type"], "Value": value["Value"]}
                for name, value in (message_attributes or {}).items()
            },
        }
        event = {"Records": [{
            "EventSource": "aws:sns", "EventVersion": "1.0",
            "EventSubscriptionArn": self.arn, "Sns": sns,
        }]}
        _active.invoke_async(self.endpoint, event)
        return None

    Subscription.publish = publish  # type: ignore[method-assign]


def _hook_dynamodb() -> None:
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _dynamodb_lock:
            return original(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    _hook_dynamodb_transactions()
    _hook_dynamodb_query()

    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoResult

    plain = (ActionResult, DynamoResult)
    original_serialized = DynamoHandler.serialized

    def serialized(self: Any, action_result: Any) -> Any:
        """A plain JSON result goes out as it is: moto's shape-walking serializer costs ~1 ms a
        GetItem, most of a warm API request; anything else takes moto's own way."""
        result = action_result.result
        if type(action_result) in plain and type(result) is dict:
            try:
                body = json.dumps(_without_none(result))
            except (TypeError, ValueError):
                return original_serialized(self, action_result)
            headers = {"Content-Type": "application/x-amz-json-1.0"}
            headers.update(self.response_headers)
            return 200, headers, body
        return original_serialized(self, action_result)

    DynamoHandler.serialized = serialized  # type: ignore[method-assign]


def _hook_websocket_management() -> None:
    from urllib.parse import unquote

    from moto.apigatewaymanagementapi.models import ApiGatewayManagementApiBackend
    from moto.core.exceptions import JsonRESTError

    from infra.exceptions import ConnectionGoneError

    class GoneException(JsonRESTError):
        code = 410

        def __init__(self, connection_id: str) -> None:
            super().__init__("GoneException", f"connection {connection_id} is gone")

    class Described:
        def __init__(self, data: dict[str, Any]) -> None:
            self.data = data

        def to_dict(self) -> dict[str, Any]:
            return self.data

    def through_door(name: str) -> None:
        original = getattr(ApiGatewayManagementApiBackend, name)

        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            if _connections is None:
                return original(self, *args, **kwargs)
            connection_id = unquote(kwargs.pop("connection_id"))
            try:
                result = getattr(_connections, name)(connection_id, *args, **kwargs)
            except ConnectionGoneError:
                raise GoneException(connection_id) from None
            return Described(result) if name == "get_connection" else result

        setattr(ApiGatewayManagementApiBackend, name, method)

    for name in ("post_to_connection", "get_connection", "delete_connection"):
        through_door(name)


class _TableCopyShim:
    """moto.dynamodb.models' ``copy`` module, except that a Table is not deep-copied while a
    transaction that snapshots its own items runs (requests are serialized, so a flag suffices)."""

    def __init__(self, real: Any, table_type: type) -> None:
        self._real = real
        self._table_type = table_type
        self.snapshotting = False

    def deepcopy(self, obj: Any, memo: Any = None) -> Any:
        if self.snapshotting and isinstance(obj, self._table_type):
            return obj
        return self._real.deepcopy(obj, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _hook_dynamodb_transactions() -> None:
    import copy

    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    shim = _TableCopyShim(copy, Table)
    models.copy = shim  # type: ignore[assignment]
    original = models.DynamoDBBackend.transact_write_items
    # moto writes a transaction's items one by one, each adding its stream record at once, and
    # restores the items when a later condition fails: the records of a cancelled transaction
    # would stay in the stream. Hold them back until the transaction succeeded (DynamoDB requests
    # are serialized, so one buffer suffices).
    from moto.dynamodb.models.table import StreamShard

    original_add = StreamShard.add
    held: list[tuple[Any, Any, Any]] | None = None

    def add(shard: Any, old: Any, new: Any) -> None:
        if held is None:
            original_add(shard, old, new)
        else:
            held.append((shard, old, new))

    StreamShard.add = add  # type: ignore[method-assign,assignment]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshot = []
        for entry in transact_items:
            op = next(iter(entry.values())) if isinstance(entry, dict) and entry else {}
            table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            key = op.get("Item") or op.get("Key") or {} if table is not None else {}
            if table is None or table.hash_key_attr not in key:
                return original(self, transact_items)  # moto reports the malformed request
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
            if table.has_range_key and range_value is None:
                return original(self, transact_items)
            current = table.get_item(hash_value, range_value)
            snapshot.append((table, hash_value, range_value, copy.deepcopy(current)))
        nonlocal held
        shim.snapshotting, held = True, []
        try:
            result = original(self, transact_items)
            records, held = held, None
            for shard, old, new in records:
                original_add(shard, old, new)
            return result
        except Exception:
            for table, hash_value, range_value, item in reversed(snapshot):
                if range_value is None:
                    if item is None:
                        table.items.pop(hash_value, None)
                    else:
                        table.items[hash_value] = item
                elif item is None:
                    table.items.get(hash_value, {}).pop(range_value, None)
                else:
                    table.items[hash_value][range_value] = item
            raise
        finally:
            shim.snapshotting, held = False, None

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _hook_dynamodb_query() -> None:
    """A Query on a table's own key reads its partition: moto sorts every item of the table and
    filters them by hash key on each Query, which makes it O(table size)."""
    from moto.dynamodb.models.table import Table

    original = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None or "all_items" in self.__dict__:
            return original(self, hash_key, *args, **kwargs)
        found = self.items.get(hash_key)
        partition = [] if found is None else list(found.values()) if self.range_key_attr else [found]
        self.all_items = lambda: partition  # the only items the base-table query keeps anyway
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]


def _without_none(value: Any) -> Any:
    """Members that are None are left out, as the serializer leaves them out."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def _hook_iam() -> None:
    """AWS managed policies exist when attached (loading all ~1,600 per IAM backend costs ~1 s)."""
    from functools import lru_cache

    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, IAMBackend

    @lru_cache(maxsize=1)
    def catalogue() -> dict[str, Any]:
        return json.loads(aws_managed_policies_data)

    def ensure_aws_policy(backend: Any, policy_arn: str) -> None:
        if policy_arn in backend.managed_policies or ":iam::aws:policy/" not in policy_arn:
            return
        name = policy_arn.rsplit("/", 1)[-1]
        data = catalogue().get(name)
        if data is not None:
            policy = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
            if policy.arn == policy_arn:
                backend.managed_policies[policy.arn] = policy

    for method in ("attach_role_policy", "attach_user_policy", "attach_group_policy", "get_policy"):
        original = getattr(IAMBackend, method)

        def wrapper(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            arn = kwargs.get("policy_arn", args[0] if args else "")
            ensure_aws_policy(self, str(arn))
            return __original(self, *args, **kwargs)

        setattr(IAMBackend, method, wrapper)


def _hook_dispatch() -> None:
    """moto lists a response class's methods (inspect.getmembers) on every request; the list only
    changes when the class does, so it is kept per class (≈0.1 ms a request)."""
    from functools import lru_cache

    import moto.core.responses as responses

    responses.method_names_from_class = lru_cache(maxsize=None)(responses.method_names_from_class)

    # Handlers' boto3 calls reach moto in this process, so botocore's own per-request work shows:
    # rebuilding the User-Agent sanitizes the same few strings character by character on every
    # call (≈0.15 ms). The function is pure; its answers are kept.
    import botocore.useragent as useragent

    useragent.sanitize_user_agent_string_component = lru_cache(maxsize=4096)(
        useragent.sanitize_user_agent_string_component)
    # ... and each of its components (immutable tuples) is turned into text twice per call. The
    # feature-metadata component carries a new size config object on every call (compared by
    # identity), so the text is kept by the config's values, or every call would add an entry.
    component_text = useragent.UserAgentComponent.to_string

    @lru_cache(maxsize=4096)
    def text(prefix: str, name: str, value: str | None, size: tuple[int, str] | None) -> str:
        config = useragent.UserAgentComponentSizeConfig(*size) if size else None
        return str(component_text(useragent.UserAgentComponent(prefix, name, value, config)))

    def to_string(self: Any) -> str:
        config = self.size_config
        return text(self.prefix, self.name, self.value,
                    None if config is None else (config.max_size_in_bytes, config.delimiter))

    to_string.cache_info = text.cache_info  # type: ignore[attr-defined]
    to_string.__wrapped__ = component_text  # type: ignore[attr-defined]
    useragent.UserAgentComponent.to_string = to_string  # type: ignore[method-assign]

    # moto stamps every answer with a 52-character request id drawn one random.choice at a time
    # (≈15 µs a call); one draw of random bytes from the same (seedable) generator, mapped onto
    # the same alphabet, takes ≈2 µs.
    from moto.moto_api._internal.moto_random import MotoRandom

    tables = {pool: bytes((pool * (256 // len(pool) + 1))[:256], "ascii")
              for pool in (string.ascii_letters + string.digits, string.ascii_letters)}

    def get_random_string(self: Any, length: int = 20, include_digits: bool = True, lower_case: bool = False) -> str:
        pool = string.ascii_letters + (string.digits if include_digits else "")
        drawn = self.randbytes(length).translate(tables[pool]).decode("ascii")
        return drawn.lower() if lower_case else drawn

    MotoRandom.get_random_string = get_random_string  # type: ignore[method-assign]


def _hook_request_build() -> None:
    """moto turns each in-process botocore request into a werkzeug Request through werkzeug's
    test EnvironBuilder (≈0.1 ms a call, a tenth of a DynamoDB GetItem). For the plain case —
    bytes body, ASCII URL without percent-escapes, text header values — the WSGI environ it
    builds is written out directly (tests compare the two key by key); anything else takes
    moto's way."""
    import sys

    from moto.core.request import Request

    original = Request.from_primitives.__func__  # type: ignore[attr-defined]

    def from_primitives(cls: Any, method: str, url: str, headers: Any, body: Any = None) -> Any:
        environ = plain_moto_environ(method, url, headers, body)
        if environ is None:
            return original(cls, method, url, headers, body)
        environ["wsgi.errors"] = sys.stderr
        return cls(environ)

    from_primitives.moto_original = original  # type: ignore[attr-defined] # for the tests' comparison
    Request.from_primitives = classmethod(from_primitives)  # type: ignore[method-assign,assignment]


def plain_moto_environ(method: str, url: str, headers: Any, body: Any) -> dict[str, Any] | None:
    """The WSGI environ werkzeug's EnvironBuilder would build for this request, or None when it
    is not the plain case (see _hook_request_build)."""
    from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY, environ_key_for_header
    from moto.core.request import should_preserve_original_header_name as preserve

    if body is None:
        body = b""
    if type(body) is not bytes or not url.isascii() or "%" in url or "#" in url:
        return None
    parsed = urlparse(url)
    if not parsed.path.startswith("/") or "@" in parsed.netloc or "[" in parsed.netloc:
        return None
    host, _, port = parsed.netloc.partition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": parsed.path,
        "QUERY_STRING": parsed.query, "REQUEST_URI": parsed.path, "RAW_URI": parsed.path,
        "SERVER_NAME": host,
        "SERVER_PORT": port if port.isdigit() else ("443" if parsed.scheme == "https" else "80"),
        "HTTP_HOST": parsed.netloc, "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.version": (1, 0),
        "wsgi.url_scheme": parsed.scheme, "wsgi.input": BytesIO(body), "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    combined: dict[str, list[str]] = {}
    content_type = None
    preserved: dict[str, str] = {}
    for key, value in headers.items():
        if type(value) is bytes:  # botocore sends its header values encoded
            value = value.decode("utf-8")
        elif type(value) is not str:
            return None
        if "\n" in value or "\r" in value:
            return None
        lower = key.lower()
        if lower == "content-type":
            content_type = value
        elif lower not in ("content-length", "transfer-encoding"):
            combined.setdefault(f"HTTP_{key.upper().replace('-', '_')}", []).append(value)
            if preserve(key):
                preserved[environ_key_for_header(key)] = key
    if content_type is not None:  # in werkzeug's order: these two, then the other headers
        environ["CONTENT_TYPE"] = content_type
    if body:  # an empty body has no length from werkzeug; moto adds "0" after the headers
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, values in combined.items():
        environ[name] = ", ".join(values)
    environ.setdefault("CONTENT_LENGTH", "0")
    environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = preserved
    return environ


def result_for_moto(payload: Any, errored: bool, logs: str) -> tuple[str, bool, str]:
    return json.dumps(payload), errored, logs
