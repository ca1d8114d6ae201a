import pytest

pytestmark = pytest.mark.django_db


def test_it_sends_browsers_asking_for_favicon_ico_to_the_hashed_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith("/static/favicon.") and response["Location"].endswith(".svg")
    assert client.get(response["Location"]).status_code == 200
