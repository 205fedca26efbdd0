"""/healthz answers with a real database round trip."""
from tests.conftest import make_app


def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable():
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:9/unreachable?connect_timeout=2")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"

