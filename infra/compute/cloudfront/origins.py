"""Origin requests: S3 buckets (read through the target's S3, as the origin access control lets
CloudFront read them), API Gateway APIs (through the HTTP front door in this process) and any
other custom origin over HTTP."""

from __future__ import annotations

import http.client
import re
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any, Callable
from urllib.parse import unquote

from infra.compute.cloudfront import bucket_access
from infra.compute.cloudfront.distribution import Distribution, Origin
from infra.compute.http.messages import HttpRequest, HttpResponse

_EXECUTE_API = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com$")
_S3_HEADERS = (("ContentType", "Content-Type"), ("CacheControl", "Cache-Control"), ("ContentEncoding", "Content-Encoding"),
               ("ContentDisposition", "Content-Disposition"), ("ContentLanguage", "Content-Language"))
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                         "proxy-authorization", "proxy-authenticate", "content-length"})


@dataclass
class OriginRequest:
    method: str
    path: str  # the viewer's path as sent (percent-encoded)
    raw_query: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    source_ip: str = "127.0.0.1"


def _http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(timezone.utc), usegmt=True)


def s3_error(status: int, code: str, message: str) -> HttpResponse:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f'<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>').encode()
    return HttpResponse(status, [("Content-Type", "application/xml"), ("Server", "AmazonS3")], body)


class Origins:
    """``fetch(distribution, origin, request)``: the origin's answer, as CloudFront gets it."""

    def __init__(self, client: Callable[[str], Any], api_front_door: Callable[[], Any | None], account_id: str) -> None:
        self._client = client
        self._api_front_door = api_front_door
        self._account_id = account_id
        self._signing: dict[str, bool] = {}

    def fetch(self, distribution: Distribution, origin: Origin, request: OriginRequest) -> HttpResponse:
        if origin.bucket is not None:
            return self._from_s3(distribution, origin, request)
        api = _EXECUTE_API.match(origin.domain_name)
        if api is not None:
            return self._from_api_gateway(api["api"], origin, request)
        return self._over_http(origin, request)

    # -- S3 ---------------------------------------------------------------------------------
    def _signs(self, access_control_id: str | None) -> bool:
        """Whether CloudFront signs its requests to the origin (an OAC whose SigningBehavior is not 'never')."""
        if not access_control_id:
            return False
        if access_control_id not in self._signing:
            cloudfront = self._client("cloudfront")
            try:
                config = cloudfront.get_origin_access_control(Id=access_control_id)["OriginAccessControl"]
            except cloudfront.exceptions.ClientError:
                return False  # deleted since: requests go unsigned
            self._signing[access_control_id] = config["OriginAccessControlConfig"]["SigningBehavior"] != "never"
        return self._signing[access_control_id]

    def _from_s3(self, distribution: Distribution, origin: Origin, request: OriginRequest) -> HttpResponse:
        s3, bucket = self._client("s3"), origin.bucket
        assert bucket is not None
        key = unquote(origin.path + request.path).lstrip("/")
        if self._signs(origin.access_control_id):
            principal = bucket_access.Principal(bucket_access.CLOUDFRONT, distribution.arn, self._account_id)
        else:
            principal = bucket_access.Principal(None)
        policy = bucket_access.bucket_policy(s3, bucket)
        if principal.service is None and bucket_access.public_access_blocked(s3, bucket):
            policy = None  # the public access block makes a public policy grant nothing
        if not key or not bucket_access.allowed(policy, principal, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"):
            return s3_error(403, "AccessDenied", "Access Denied")
        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
        for header, argument in (("if-none-match", "IfNoneMatch"), ("if-modified-since", "IfModifiedSince")):
            value = next((v for k, v in request.headers if k.lower() == header), None)
            if value:
                kwargs[argument] = value
        try:
            answer = s3.head_object(**kwargs) if request.method == "HEAD" else s3.get_object(**kwargs)
        except s3.exceptions.ClientError as exc:
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
            if status == 304:
                return HttpResponse(304, [("Server", "AmazonS3")])
            if status == 404:
                may_list = bucket_access.allowed(policy, principal, "s3:ListBucket", f"arn:aws:s3:::{bucket}")
                return (s3_error(404, "NoSuchKey", "The specified key does not exist.") if may_list
                        else s3_error(403, "AccessDenied", "Access Denied"))
            return s3_error(status, exc.response.get("Error", {}).get("Code", "InternalError"), str(exc))
        headers = [("Server", "AmazonS3"), ("ETag", answer["ETag"]),
                   ("Last-Modified", _http_date(answer["LastModified"]))]
        headers += [(header, answer[field]) for field, header in _S3_HEADERS if answer.get(field)]
        if answer.get("Expires"):
            headers.append(("Expires", _http_date(answer["Expires"])))
        body = b"" if request.method == "HEAD" else answer["Body"].read()
        return HttpResponse(200, headers, body)

    # -- API Gateway and other custom origins -------------------------------------------------
    def _forwarded_headers(self, origin: Origin, request: OriginRequest) -> list[tuple[str, str]]:
        https = origin.protocol_policy == "https-only"
        port = origin.https_port if https else origin.http_port
        host = origin.domain_name if port == (443 if https else 80) else f"{origin.domain_name}:{port}"
        return ([(k, v) for k, v in request.headers if k.lower() not in _HOP_BY_HOP and k.lower() != "host"]
                + [("Host", host), ("Via", "1.1 local.cloudfront.net (CloudFront)"),
                   ("X-Forwarded-For", request.source_ip)] + list(origin.custom_headers))

    def _from_api_gateway(self, api_id: str, origin: Origin, request: OriginRequest) -> HttpResponse:
        door = self._api_front_door()
        if door is None:
            return HttpResponse(502, [], b"no API Gateway front door serves this target's APIs here")
        from infra.compute.http import api_path

        stage, _, prefix = origin.path.lstrip("/").partition("/")
        path = api_path(api_id, stage, (f"/{prefix}" if prefix else "") + request.path)
        url = f"{path}?{request.raw_query}" if request.raw_query else path
        return door.handle(HttpRequest.build(request.method, url, self._forwarded_headers(origin, request),
                                             request.body, source_ip=request.source_ip))

    def _over_http(self, origin: Origin, request: OriginRequest) -> HttpResponse:
        https = origin.protocol_policy == "https-only"
        kind = http.client.HTTPSConnection if https else http.client.HTTPConnection
        connection = kind(origin.domain_name, origin.https_port if https else origin.http_port,
                          timeout=origin.read_timeout)
        path = origin.path + request.path + (f"?{request.raw_query}" if request.raw_query else "")
        try:
            connection.request(request.method, path, body=request.body or None,
                               headers=dict(self._forwarded_headers(origin, request)))
            answer = connection.getresponse()
            body = answer.read()
        except socket.timeout:
            return HttpResponse(504, [], b"")
        except OSError:
            return HttpResponse(502, [], b"")
        finally:
            connection.close()
        return HttpResponse(answer.status, [(k, v) for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP],
                            body)
