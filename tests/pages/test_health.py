import pytest
from django.db import connection


@pytest.mark.django_db
def test_it_is_ok_when_the_database_answers(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.content == b"ok\n"


@pytest.mark.django_db
def test_it_is_503_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/health")
    assert response.status_code == 503
