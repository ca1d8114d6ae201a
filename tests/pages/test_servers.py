import pytest

pytestmark = pytest.mark.django_db


def test_it_compares_the_five_servers(client):
    response = client.get("/servers/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Gunicorn", "uWSGI", "Uvicorn", "Hypercorn", "Granian"):
        assert name in html
    for row in ("Interfaces", "Protocols", "WebSockets", "Memory per worker", "Maturity", "When to use it"):
        assert f'<th scope="row">{row}</th>' in html
    assert "HTTP/3 (quic_bind with hypercorn[h3])" in html
    assert "HTTP/1.1, HTTP/2 (no HTTP/3)" in html  # Granian, as the server facts correct the article
