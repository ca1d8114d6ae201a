import pytest

from decisions.configs.plan import CHECKED_IN

pytestmark = pytest.mark.django_db


def test_it_answers_unknown_pages_with_a_helpful_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and 'href="/"' in html
    assert f"<p>Facts checked in {CHECKED_IN}." in html  # no criteria to name the releases from
