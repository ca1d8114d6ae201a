import pytest

pytestmark = pytest.mark.django_db


def test_it_answers_unknown_pages_with_a_helpful_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and 'href="/"' in html
