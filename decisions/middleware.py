"""A result seen before is answered with the bytes sent the first time: no template, no gzip, no ORM.

Results are pure functions of the request and the criteria version, so what was sent is stored under both, per
content encoding. The version is read from the database on every request (one raw query), so an admin's edit
shows at once on every worker and instance, whatever the cache backend.

Only a response that is the same for every client is stored (guide.compression.same_for_every_client: no
cookie set, no Vary but the two the key covers). It holds no secret to hide from BREACH-style guessing, which is
also why it is compressed without Django's random padding.
"""

import functools
import hashlib
from collections.abc import Callable
from weakref import WeakKeyDictionary

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response

from decisions import store
from guide.build import BUILD_ID
from guide.compression import same_for_every_client


def sent_response_cached[View: Callable](view: View) -> View:
    """Marks a view whose 200 responses SentResponseCache stores: a pure function of its URL and the criteria."""
    view.sent_response_cached = True
    return view


class SentResponseCache:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # HEAD shares GET's entries: Django answers it with the body too, and the server leaves the body out.
        if request.method not in ("GET", "HEAD") or not _is_cached_view(request.path_info):
            return self.get_response(request)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            return _replay(request, *stored)
        response = self.get_response(request)
        if _storable(response):
            cache.set(key, (list(response.items()), response.content))
        return response


_stamps: WeakKeyDictionary[HttpRequest, store.Stamp] = WeakKeyDictionary()


def criteria_stamp(request: HttpRequest) -> store.Stamp:
    """The criteria version for this request, read once: the cache key and the view use the same one."""
    if request not in _stamps:
        _stamps[request] = store.read_stamp()
    return _stamps[request]


@functools.lru_cache(maxsize=1024)  # every request asks, /health included; few paths are ever seen
def _is_cached_view(path: str) -> bool:
    try:
        return getattr(resolve(path).func, "sent_response_cached", False)
    except Resolver404:
        return False


def _key(request: HttpRequest) -> str:
    number, changed_at = criteria_stamp(request)
    encoding = "gzip" if re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")) else "identity"
    parts = (
        BUILD_ID,
        str(number),
        changed_at.isoformat(),
        request.scheme,
        request.get_host(),
        request.path,
        request.META.get("QUERY_STRING", ""),
        request.META.get("HTTP_HX_REQUEST", ""),
        encoding,
    )
    return "sent:" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _storable(response: HttpResponse) -> bool:
    """A full 200 with an ETag that every client would get alike; the key covers the Vary headers it may have."""
    return (
        response.status_code == 200
        and not response.streaming
        and "ETag" in response
        and same_for_every_client(response)
    )


def _replay(request: HttpRequest, headers: list[tuple[str, str]], content: bytes) -> HttpResponse:
    response = HttpResponse(content)
    for name, value in headers:
        response.headers[name] = value
    return get_conditional_response(request, etag=response["ETag"], response=response)
