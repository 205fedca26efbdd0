"""/healthz says the process is alive; /readyz answers with a real database
round trip (and Redis, tests/core/test_hardening.py)."""
from tests.conftest import make_app


def test_healthz_and_readyz_are_200_when_the_database_answers(client):
    assert client.get("/healthz").json == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_readyz_is_503_when_the_database_is_unreachable_and_healthz_still_200():
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:9/unreachable?connect_timeout=2")
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"
    assert response.json["status"] == "unavailable"
    assert client.get("/healthz").status_code == 200  # alive: restarting it would not bring the database back
