"""A response seen before is answered with the bytes sent the first time: no template, no gzip, no ORM. And every
response leaves with the Cache-Control that decisions.caching decides.

A keyed view's response is a pure function of its ResponseKey (decisions.caching), so what was sent is stored
under that key, per content encoding. The key holds the criteria version, which is read from the database on
every request (one raw query), so an admin's edit shows at once on every worker and instance, whatever the cache
backend.

A request that brings a session is never answered from the cache, nor its response stored (caching.personal).
Only a response the key covers is stored (no cookie set, no Vary but what the key holds): it holds no secret to
hide from BREACH-style guessing, which is also why it is compressed without Django's random padding.
"""

import functools
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response

from decisions.caching import KeyFunction, ResponseKey, cache_control, key_of, personal


class SentResponseCache:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        keyed_request = request.method in ("GET", "HEAD") and not personal(request)
        key_function = _key_function(request.path_info) if keyed_request else None
        if key_function is None:
            return _with_policy(None, self.get_response(request))
        # HEAD shares GET's entries: Django answers it with the body too, and the server leaves the body out.
        key = key_of(request, key_function)
        storage_key = key.storage_key(_encoding(request))
        stored = cache.get(storage_key)
        if stored is not None:
            return _replay(request, *stored)
        response = _with_policy(key, self.get_response(request))
        if _storable(key, response):
            cache.set(storage_key, (list(response.items()), response.content))
        return response


@functools.lru_cache(maxsize=1024)  # every request asks, /health included; few paths are ever seen
def _key_function(path: str) -> KeyFunction | None:
    try:
        return getattr(resolve(path).func, "response_key", None)
    except Resolver404:
        return None


def _encoding(request: HttpRequest) -> str:
    return "gzip" if re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")) else "identity"


def _with_policy(key: ResponseKey | None, response: HttpResponse) -> HttpResponse:
    policy = cache_control(key, response)
    if policy:
        response.headers["Cache-Control"] = policy
    return response


def _storable(key: ResponseKey, response: HttpResponse) -> bool:
    """A full 200 with an ETag that every client would get alike."""
    return response.status_code == 200 and not response.streaming and "ETag" in response and key.covers(response)


def _replay(request: HttpRequest, headers: list[tuple[str, str]], content: bytes) -> HttpResponse:
    response = HttpResponse(content)
    for name, value in headers:
        response.headers[name] = value
    return get_conditional_response(request, etag=response["ETag"], response=response)
