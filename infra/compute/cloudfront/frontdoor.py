"""The CloudFront front door: deployed distributions served from the control plane.

``handle(distribution_id, request)`` is the whole of it (tests call it in-process; the server
puts one distribution on a port). A request goes: distribution (enabled?) -> well-formed path ->
default root object -> the first cache behaviour whose path pattern matches, else the default ->
allowed methods -> the cache, keyed as the behaviour's cache policy says (fresh: a hit; expired
with a validator: a conditional origin request, 304 refreshes it) -> the origin, with what the
origin request policy forwards -> custom error responses -> the answer with X-Cache, Age, Via.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter
from http.cookies import SimpleCookie
from typing import Any, Callable
from urllib.parse import urlencode

from infra.compute.clock import Clock
from infra.compute.cloudfront import distribution as model
from infra.compute.cloudfront import invalidations, store
from infra.compute.cloudfront.cache import EdgeCache, Entry, error_ttl, ttl
from infra.compute.cloudfront.distribution import Behavior, Distribution
from infra.compute.cloudfront.exceptions import UnknownDistribution
from infra.compute.cloudfront.origins import OriginRequest, Origins
from infra.compute.cloudfront.policies import Selection
from infra.compute.http.messages import HttpRequest, HttpResponse

HIT, MISS, REFRESH_HIT, ERROR = ("Hit from cloudfront", "Miss from cloudfront", "RefreshHit from cloudfront",
                                 "Error from cloudfront")
POP = "LOCAL50-C1"
_VALIDATOR_HEADERS = frozenset({"etag", "last-modified", "cache-control", "expires"})
_EDGE_HEADERS = frozenset({"x-cache", "age", "via", "x-amz-cf-pop", "x-amz-cf-id"})
_BAD_PATH = re.compile(r"%(?![0-9A-Fa-f]{2})|[\x00-\x20\x7f]")


def error_page(status: int, reason: str) -> HttpResponse:
    """CloudFront's own error page ("The request could not be satisfied")."""
    body = (f'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">\n'
            f"<HTML><HEAD><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=iso-8859-1\">\n"
            f"<TITLE>ERROR: The request could not be satisfied</TITLE>\n</HEAD><BODY>\n<H1>{status} ERROR</H1>\n"
            f"<H2>The request could not be satisfied.</H2>\n<HR noshade size=\"1px\">\n{reason}\n"
            f"<BR clear=\"all\">\n</BODY></HTML>").encode()
    return HttpResponse(status, [("Server", "CloudFront"), ("Content-Type", "text/html")], body)


def _cookies(request: HttpRequest) -> list[tuple[str, str]]:
    jar: SimpleCookie = SimpleCookie()
    for value in request.header_values("Cookie"):
        try:
            jar.load(value)
        except Exception:  # noqa: BLE001 - a malformed cookie header is no cookie
            continue
    return [(name, morsel.value) for name, morsel in jar.items()]


def _still_valid(request: HttpRequest, cached: HttpResponse) -> bool:
    """A viewer's If-None-Match naming the cached copy's ETag (or ``*``)."""
    asked, etag = request.header("If-None-Match"), cached.header("ETag")
    if not asked or not etag or cached.status != 200:
        return False
    return asked.strip() == "*" or etag in [tag.strip() for tag in asked.split(",")]


def _encoding(request: HttpRequest, behavior: Behavior) -> str:
    accepted = (request.header("Accept-Encoding") or "").lower()
    policy = behavior.cache_policy
    return "br" if policy.brotli and "br" in accepted else "gzip" if policy.gzip and "gzip" in accepted else ""


class CloudFrontFrontDoor:
    def __init__(self, client: Callable[[str], Any], clock: Clock, account_id: str, region: str,
                 api_front_door: Callable[[], Any | None] = lambda: None, refresh_every: float | None = None) -> None:
        """``refresh_every``: read the distributions again after that many (wall) seconds — for an
        endpoint others deploy to (``up``); without it, ``refresh()`` after a deploy does."""
        self.clock = clock
        self._refresh_every = refresh_every
        self._loaded_at = time.monotonic()
        self._client = client
        self.records = store.Records(client, account_id, region)
        self.cache = EdgeCache()
        self.origins = Origins(client, api_front_door, account_id)
        self._distributions: dict[str, Distribution] = {}
        self._fetching: dict[tuple[Any, ...], threading.Event] = {}
        self._lock = threading.Lock()
        self.stats: Counter[str] = Counter()  # "hit", "miss", "refresh_hit", "error", "origin:<id>"
        invalidations.watch(self._invalidated)

    # -- distributions from the control plane ---------------------------------------------
    def distribution(self, distribution_id: str) -> Distribution:
        if self._refresh_every is not None and time.monotonic() - self._loaded_at > self._refresh_every:
            self.refresh()
        found = self._distributions.get(distribution_id)
        if found is None:
            found = self._load(distribution_id)
            with self._lock:
                self._distributions[distribution_id] = found
        return found

    def _load(self, distribution_id: str) -> Distribution:
        cloudfront = self._client("cloudfront")
        try:
            described = cloudfront.get_distribution(Id=distribution_id)["Distribution"]
        except cloudfront.exceptions.ClientError as exc:
            raise UnknownDistribution(f"no distribution {distribution_id} is deployed") from exc
        config = self.records.get(store.DISTRIBUTIONS, distribution_id)
        if config is None:
            raise UnknownDistribution(f"distribution {distribution_id} was not deployed by the toolkit's deployer "
                                      f"(its configuration record is missing)")
        policies = model.managed_or_recorded(self.records.get)
        return model.parse(config, policies, distribution_id, described["ARN"], described["DomainName"])

    def refresh(self) -> None:
        """After a deploy or destroy: configurations are read again (the cache stays, as CloudFront's)."""
        with self._lock:
            self._distributions.clear()
            self._loaded_at = time.monotonic()

    def _invalidated(self, distribution_id: str, paths: list[str]) -> None:
        self.cache.invalidate(distribution_id, paths)

    def close(self) -> None:
        invalidations.unwatch(self._invalidated)

    # -- a request ----------------------------------------------------------------------------
    def handle(self, distribution_id: str, request: HttpRequest) -> HttpResponse:
        try:
            dist = self.distribution(distribution_id)
        except UnknownDistribution:
            return self._finish(error_page(403, "Bad request. We can't connect to the server for this app or website "
                                                "at this time."), ERROR)
        if not dist.enabled:
            return self._finish(error_page(403, "The distribution is not enabled."), ERROR)
        if not request.path.startswith("/") or _BAD_PATH.search(request.path):
            return self._finish(error_page(400, "Bad request."), ERROR)
        path = f"/{dist.default_root_object}" if request.path == "/" and dist.default_root_object else request.path
        behavior = dist.behavior_for(path)
        if request.method not in behavior.allowed_methods:
            return self._finish(error_page(403, "This distribution is not configured to allow the HTTP request "
                                                "method that was used for this request. The distribution supports "
                                                "only cachable requests."), ERROR)
        return self._serve(dist, behavior, path, request)

    def _serve(self, dist: Distribution, behavior: Behavior, path: str, request: HttpRequest,
               error_pages: bool = True) -> HttpResponse:
        policy = behavior.cache_policy
        if request.method not in behavior.cached_methods or not policy.caches:
            return self._fetch(dist, behavior, path, request, error_pages, None)
        key = (dist.id, path, policy.query_strings.pick(request.query), policy.headers.pick(request.headers, lower=True),
               policy.cookies.pick(_cookies(request)) if policy.cookies.behavior != "none" else (),
               _encoding(request, behavior), request.method == "HEAD")
        hit = self._from_cache(key, request)
        if hit is not None:
            return hit
        if not error_pages:  # an error page fetched for a viewer's request: that request leads already
            return self._fetch(dist, behavior, path, request, error_pages, key)
        # request collapsing: viewers asking for the same key while it is fetched wait for that one fetch
        with self._lock:
            fetching = self._fetching.get(key)
            leading = fetching is None
            if fetching is None:
                fetching = self._fetching[key] = threading.Event()
        if not leading:
            fetching.wait(behavior.origin.read_timeout)  # another thread's origin request, not an AWS timeout
            hit = self._from_cache(key, request)
            if hit is not None:
                return hit
        try:
            return self._fetch(dist, behavior, path, request, error_pages, key)
        finally:
            if leading:
                with self._lock:
                    self._fetching.pop(key, None)
                fetching.set()

    def _from_cache(self, key: tuple[Any, ...], request: HttpRequest) -> HttpResponse | None:
        entry, now = self.cache.get(key), self.clock.now()
        if entry is None or not entry.fresh(now):
            return None
        self.stats["hit"] += 1
        if _still_valid(request, entry.response):  # the viewer's copy is this one: 304, no body
            kept = [h for h in entry.response.headers if h[0].lower() in _VALIDATOR_HEADERS]
            return self._finish(HttpResponse(304, kept), HIT, entry.age(now))
        return self._finish(entry.response, ERROR if entry.response.status >= 400 else HIT, entry.age(now))

    def _fetch(self, dist: Distribution, behavior: Behavior, path: str, request: HttpRequest, error_pages: bool,
               key: tuple[Any, ...] | None) -> HttpResponse:
        """From the origin (conditionally when an expired copy has a validator), kept under ``key``
        (None: not cached) for as long as the policy and the answer say."""
        policy = behavior.cache_policy
        entry = self.cache.get(key) if key is not None else None
        conditional = entry.validators() if entry is not None and entry.response.status < 400 else []
        answer = self._origin(dist, behavior, path, request, conditional)
        now = self.clock.now()
        if answer.status == 304 and entry is not None:
            entry.stored_at, entry.ttl = now, max(ttl(entry.response, policy, now), 0.0)
            self.stats["refresh_hit"] += 1
            return self._finish(entry.response, REFRESH_HIT, 0)
        custom = dist.error_responses.get(answer.status) if error_pages else None
        if answer.status >= 400:
            self.stats["error"] += 1
            if custom is not None and custom.page_path is not None:
                page = self._serve(dist, dist.behavior_for(custom.page_path), custom.page_path,
                                   HttpRequest("GET", custom.page_path, source_ip=request.source_ip), error_pages=False)
                if page.status < 400:  # an error page that fails itself leaves the origin's error
                    answer = HttpResponse(custom.response_code or answer.status,
                                          [h for h in page.headers if h[0].lower() not in _EDGE_HEADERS], page.body)
            keep = custom.caching_min_ttl if custom is not None else error_ttl(answer, model.DEFAULT_ERROR_CACHING_MIN_TTL)
            if key is not None and keep > 0:
                self.cache.put(key, Entry(answer, now, keep, path))
            return self._finish(answer, ERROR)
        self.stats["miss"] += 1
        keep = ttl(answer, policy, now) if key is not None else 0.0
        if key is not None and keep > 0:
            self.cache.put(key, Entry(answer, now, keep, path))
        return self._finish(answer, MISS)

    def _origin(self, dist: Distribution, behavior: Behavior, path: str, request: HttpRequest,
                conditional: list[tuple[str, str]]) -> HttpResponse:
        """The origin's answer to what the behaviour forwards: the origin request policy's
        selection, else the cache key's (query strings, headers, cookies)."""
        forward = behavior.origin_request or behavior.cache_policy
        query = forward.query_strings.pick(request.query) if forward.query_strings.behavior != "all" else None
        raw_query = request.raw_query if query is None else urlencode(query)
        headers = self._headers(forward.headers, forward.cookies, request) + conditional
        self.stats[f"origin:{behavior.origin.id}"] += 1
        origin_request = OriginRequest(request.method, path, raw_query, headers, request.body, request.source_ip)
        answer = self.origins.fetch(dist, behavior.origin, origin_request)
        if answer.status in (502, 504) and not answer.body:
            reason = ("CloudFront wasn't able to connect to the origin." if answer.status == 502
                      else "The origin did not answer within the origin read timeout.")
            return error_page(answer.status, reason)
        return answer

    @staticmethod
    def _headers(headers: Selection, cookies: Selection, request: HttpRequest) -> list[tuple[str, str]]:
        chosen = [(k, v) for k, v in headers.pick(request.headers, lower=True) if k != "cookie"]
        picked = cookies.pick(_cookies(request)) if cookies.behavior != "none" else ()
        if picked:
            chosen.append(("cookie", "; ".join(f"{k}={v}" for k, v in picked)))
        return chosen

    @staticmethod
    def _finish(response: HttpResponse, cache_status: str, age: int | None = None) -> HttpResponse:
        headers = [h for h in response.headers if h[0].lower() not in ("connection", "transfer-encoding")]
        headers += [("X-Cache", cache_status), ("Via", "1.1 local.cloudfront.net (CloudFront)"), ("X-Amz-Cf-Pop", POP),
                    ("X-Amz-Cf-Id", uuid.uuid4().hex)]
        if age is not None:
            headers.append(("Age", str(age)))
        return HttpResponse(response.status, headers, response.body)
