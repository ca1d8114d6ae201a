"""Django's GZipMiddleware, compressing whole responses at level 2 instead of 6 (docs/caching.md has what each
level measured). A result seen before is replayed from the bytes stored the first time (decisions.middleware), so
the level costs nothing there. Streaming responses, and everything but the compression itself, are Django's own.

Django pads every compressed response with a random-length file name in the gzip header, against BREACH-style
guessing: an attacker who makes a victim's browser send guesses learns, from the response's length, whether
a guess matches a secret in it (a CSRF token, a session's data). That takes a response that differs for the
victim, through a cookie. A response that is a pure function of its key (decisions.caching.ResponseKey.covers:
it sets no cookie and varies on nothing a browser holds for its user) is the same for the attacker's own
requests, so it holds nothing to guess: the results, their JSON and their files, which are also stored and sent
to everyone alike. Those are compressed in one shot without padding; every other response (the admin's pages,
which vary on Cookie) keeps it. The key is read from the request, where decisions.caching put it.
"""

import gzip
import secrets
from io import BytesIO

from django.http import HttpRequest, HttpResponse
from django.middleware import gzip as django_gzip
from django.utils.cache import patch_vary_headers

COMPRESSLEVEL = 2


def compress(content: bytes, max_random_bytes: int) -> bytes:
    """As django.utils.text.compress_string: a random-length file name in the header hides the exact length of
    what is compressed (against BREACH-style guessing), and mtime 0 keeps the bytes a function of the content."""
    buffer = BytesIO()
    name = "a" * secrets.randbelow(max_random_bytes)
    with gzip.GzipFile(filename=name, mode="wb", compresslevel=COMPRESSLEVEL, fileobj=buffer, mtime=0) as file:
        file.write(content)
    return buffer.getvalue()


class GZipMiddleware(django_gzip.GZipMiddleware):
    def process_response(self, request, response):
        if response.streaming or len(response.content) < 200 or response.has_header("Content-Encoding"):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Encoding",))
        if not django_gzip.re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        if same_for_every_client(request, response):
            compressed = gzip.compress(response.content, COMPRESSLEVEL, mtime=0)
        else:
            compressed = compress(response.content, self.max_random_bytes)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):  # a weak ETag still matches If-None-Match, as Django's does
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response


def same_for_every_client(request: HttpRequest, response: HttpResponse) -> bool:
    """The response is a pure function of the request's key (decisions.caching.ResponseKey): it holds no secret
    of one client's, so it needs no padding."""
    key = getattr(request, "response_key", None)
    return key is not None and key.covers(response)
