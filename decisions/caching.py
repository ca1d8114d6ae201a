"""One rule for caching: what makes a response unique (its ResponseKey), and who may keep it (cache_control).

A keyed view's response is a pure function of its key: the criteria version it is computed from, the current
version when it names it (a pinned page's notice), whether the link pins its version, the canonical query of the
answers, where it is served (scheme, host, path) and the request headers it varies on. Everything that caches
reads that one key: the ETag (keyed), the sent-response cache (decisions.middleware), gzip's choice to leave out
its padding (guide.compression) and the Cache-Control a shared cache obeys (cache_control). docs/caching.md lists
every cache and what it costs.

Per-request state lives on the request: `request.criteria_stamp` (the version row, read once) and
`request.response_key` (the key, worked out once for the middleware, the ETag and the view alike).
"""

import functools
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import condition, require_safe

from decisions import store
from decisions.domain import Criteria
from guide.build import BUILD_ID

# Headers every keyed response may vary on besides those its key holds: the encoding is the sent cache's to
# store apart, and a shared cache's (Vary: Accept-Encoding).
ENCODING_VARY = "accept-encoding"
YEAR = 60 * 60 * 24 * 365
IMMUTABLE = f"public, max-age={YEAR}, immutable"
NOT_SHARED = "private, no-store"


@dataclass(frozen=True)
class ResponseKey:
    criteria: str  # the key of the criteria version the response is computed from
    current: str  # the current version's key when the response names it (a pinned page's notice), else ""
    pinned: bool  # the link names its criteria version (v=N)
    query: str  # the canonical query of the answers; "invalid:" and the query as sent for bad input
    location: str  # scheme, host and path: the links in the response are absolute
    varies_on: tuple[tuple[str, str], ...]  # (header, value) of each request header the response varies on

    @functools.cached_property
    def digest(self) -> str:
        varied = ",".join(f"{name}={value}" for name, value in self.varies_on)
        parts = (BUILD_ID, self.criteria, self.current, str(self.pinned), self.query, self.location, varied)
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]

    @property
    def etag(self) -> str:
        return self.digest

    def storage_key(self, encoding: str) -> str:
        """Where the sent-response cache keeps this response in one content encoding."""
        return f"sent:{self.digest}:{encoding}"

    @property
    def immutable(self) -> bool:
        """A pinned response that names no newer version (a download) never changes."""
        return self.pinned and not self.current

    def covers(self, response: HttpResponse) -> bool:
        """The response is the same for every client who sends this key: it sets no cookie and varies on nothing
        the key does not hold. Then it holds no secret of one client's (no gzip padding needed), the sent cache may
        send its bytes to everyone and a shared cache may keep it."""
        allowed = {name.lower() for name, _ in self.varies_on} | {ENCODING_VARY}
        vary = {field.strip().lower() for field in response.get("Vary", "").split(",") if field.strip()}
        return not response.cookies and vary <= allowed


def response_key(
    request: HttpRequest,
    *,
    criteria: Criteria,
    current: Criteria | None,
    pinned: bool,
    query: str,
    vary: tuple[str, ...] = (),
) -> ResponseKey:
    """The key of the response to `request`: computed from `criteria`, naming `current` (None: the response does
    not say which version is current), pinned or not, for the canonical `query`, varying on the request headers
    `vary`."""
    return ResponseKey(
        criteria=criteria.key,
        current=current.key if current is not None else "",
        pinned=pinned,
        query=query,
        location=f"{request.scheme}://{request.get_host()}{request.path}",
        varies_on=tuple((name, request.headers.get(name, "")) for name in vary),
    )


@dataclass(frozen=True)
class KeyFunction:
    """How a view's requests get their key: `compute(request, vary)`, where `vary` names the request headers the
    view's responses vary on."""

    compute: Callable[[HttpRequest, tuple[str, ...]], ResponseKey]
    vary: tuple[str, ...] = ()

    def __call__(self, request: HttpRequest) -> ResponseKey:
        return self.compute(request, self.vary)


def criteria_stamp(request: HttpRequest) -> store.Stamp:
    """The criteria version for this request, read once: the key and the view use the same one."""
    if not hasattr(request, "criteria_stamp"):
        request.criteria_stamp = store.read_stamp()
    return request.criteria_stamp


def key_of(request: HttpRequest, key_function: KeyFunction) -> ResponseKey:
    """The request's key, worked out once and kept on the request. A request seen before (the same version row,
    address, query and varied headers) finds its key in a memo instead of parsing its answers again."""
    if not hasattr(request, "response_key"):
        seen = (
            key_function,
            criteria_stamp(request),
            request.scheme,
            request.get_host(),
            request.path,
            request.META.get("QUERY_STRING", ""),
            *(request.headers.get(name, "") for name in key_function.vary),
        )
        request.response_key = _memo(seen, request)
    return request.response_key


KEYS_KEPT = 1024
_keys: OrderedDict[tuple, ResponseKey] = OrderedDict()
_keys_lock = Lock()


def _memo(seen: tuple, request: HttpRequest) -> ResponseKey:
    """The key of what was seen, the least recently used of KEYS_KEPT dropped first."""
    with _keys_lock:
        key = _keys.get(seen)
        if key is not None:
            _keys.move_to_end(seen)
            return key
    key = seen[0](request)
    with _keys_lock:
        _keys[seen] = key
        while len(_keys) > KEYS_KEPT:
            _keys.popitem(last=False)
    return key


def forget() -> None:
    """Drops the memo of keys (tests)."""
    with _keys_lock:
        _keys.clear()


def personal(request: HttpRequest) -> bool:
    """The request brings a session (an admin, or a visitor shown where their imported setup's answers were read):
    what it gets may be theirs alone, so it has no ETag, the sent-response cache neither stores nor replays it,
    and it leaves `private, no-store`."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def keyed(compute: Callable[[HttpRequest, tuple[str, ...]], ResponseKey], vary: tuple[str, ...] = ()):
    """Marks a view whose response is a pure function of compute(request, vary): GET and HEAD only, the key's
    ETag (304 on a match), Vary on `vary`, stored once sent by decisions.middleware.SentResponseCache."""
    key_function = KeyFunction(compute, vary)

    def etag(request: HttpRequest, *args, **kwargs) -> str | None:
        return None if personal(request) else key_of(request, key_function).etag

    def decorate(view):
        wrapped = condition(etag_func=etag)(view)
        if vary:
            wrapped = _vary_on(vary)(wrapped)
        wrapped = require_safe(wrapped)
        wrapped.response_key = key_function
        return wrapped

    return decorate


def _vary_on(headers: tuple[str, ...]):
    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, headers)
            return response

        return wrapped

    return decorate


def cache_control(key: ResponseKey | None, response: HttpResponse) -> str | None:
    """Who may keep the response, and for how long (docs/caching.md says why):

    - an error (4xx, 5xx), or a response that is not a pure function of its key: nobody but the browser's
      history (`private, no-store`);
    - a pinned download: everyone, for a year (`immutable`);
    - every other keyed response (current pages, JSON and downloads, pinned pages, which name the newest
      version): a shared cache for SHARED_CACHE_SECONDS, then revalidated with the ETag; a browser asks each time;
    - anything else keeps what its view said (the admin's never_cache), or `private, no-store`.
    """
    if response.status_code >= 400:
        return NOT_SHARED
    if key is None or not key.covers(response):
        return response.get("Cache-Control") or NOT_SHARED
    if key.immutable:
        return IMMUTABLE
    shared = settings.SHARED_CACHE_SECONDS
    return f"public, max-age=0, s-maxage={shared}, stale-while-revalidate={shared // 2}"
