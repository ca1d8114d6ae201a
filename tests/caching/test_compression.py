"""guide.compression: Django's gzip at a cheaper level, with its padding against length guessing wherever a cookie
can change the response."""

import gzip

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from decisions.caching import ResponseKey
from guide.compression import COMPRESSLEVEL, GZipMiddleware, compress

CONTENT = b"<p>Gunicorn</p>\n" * 500


def test_it_compresses_to_what_gzip_reads_back():
    assert gzip.decompress(compress(CONTENT, 100)) == CONTENT


def test_it_hides_the_exact_length_behind_a_random_file_name():
    lengths = {len(compress(CONTENT, 100)) for _ in range(50)}
    assert len(lengths) > 10 and max(lengths) - min(lengths) <= 100  # a name of 0 to 99 bytes, and its NUL


# What decisions.caching puts on the request of a keyed view (a page varies on HX-Request).
KEY = ResponseKey("7-0", "7-0", False, "framework=flask", "http://testserver/", (("HX-Request", ""),))


def compressed_by_the_middleware(response: HttpResponse, key: ResponseKey | None = KEY) -> bytes:
    request = RequestFactory().get("/", headers={"Accept-Encoding": "gzip"})
    if key is not None:
        request.response_key = key
    return GZipMiddleware(lambda request: response).process_response(request, response).content


def page(**headers) -> HttpResponse:
    return HttpResponse(CONTENT, headers=headers)


def with_cookie() -> HttpResponse:
    response = page()
    response.set_cookie("csrftoken", "secret")
    return response


def test_it_pads_a_response_that_a_cookie_can_change():
    for make in (lambda: page(Vary="Cookie"), lambda: page(Vary="Accept-Encoding, Cookie"), with_cookie):
        lengths = {len(compressed_by_the_middleware(make())) for _ in range(30)}
        assert len(lengths) > 5


def test_it_pads_a_response_of_a_view_without_a_key():
    lengths = {len(compressed_by_the_middleware(page(), key=None)) for _ in range(30)}
    assert len(lengths) > 5


def test_it_leaves_out_the_padding_where_every_client_gets_the_same_bytes():
    outputs = {compressed_by_the_middleware(page(Vary="HX-Request")) for _ in range(10)}
    assert outputs == {gzip.compress(CONTENT, COMPRESSLEVEL, mtime=0)}
    assert gzip.decompress(outputs.pop()) == CONTENT


@pytest.mark.django_db
def test_a_result_page_is_compressed_the_same_every_time(client):
    """What SentResponseCache stores for everyone: a result holds no secret, so it carries no padding either."""
    url = "/recommend/?framework=django&cores=3"
    bodies = set()
    for _ in range(3):
        cache.clear()
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response["Content-Encoding"] == "gzip" and "Cookie" not in response.get("Vary", "")
        bodies.add(response.content)
    assert len(bodies) == 1
