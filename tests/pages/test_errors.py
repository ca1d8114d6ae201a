import pytest

from decisions.configs.plan import CHECKED_IN

pytestmark = pytest.mark.django_db


def test_it_answers_unknown_pages_with_a_helpful_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and 'href="/"' in html
    assert f"<p>Facts checked in {CHECKED_IN}." in html  # no criteria to name the releases from


def test_it_answers_an_error_with_the_500_page(client, monkeypatch):
    def broken():
        raise RuntimeError("the changelog cannot be read")

    monkeypatch.setattr("decisions.views.store.changelog", broken)
    client.raise_request_exception = False
    response = client.get("/changes/")
    assert response.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in response.content.decode()
