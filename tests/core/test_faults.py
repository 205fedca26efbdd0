"""Faults: a locked SQLite database or an unreachable PostgreSQL server gets
a clear "busy, try again" page (503) with nothing half-written, and the app
carries on by itself when the database is back."""
import os
import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from core.extensions import db
from core.accounts.models import User
from tests.conftest import built_app, csrf_token, empty
from tests.tcp_proxy import TcpProxy

SIGN_UP = {"name": "Nia Patel", "email": "nia@example.org", "password": "lantern orchard velvet"}


def users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def sign_up(client):
    return client.post("/sign-up", data={**SIGN_UP, "csrf_token": csrf_token(client, "/sign-up")})


def test_a_write_that_waits_too_long_for_sqlites_lock_is_told_to_try_again(tmp_path):
    path = tmp_path / "busy.db"
    with built_app(f"sqlite:///{path}", SQLITE_BUSY_TIMEOUT=0.2) as app:
        client = app.test_client()
        token = csrf_token(client, "/sign-up")
        other_writer = sqlite3.connect(path, isolation_level=None)
        other_writer.execute("BEGIN IMMEDIATE")  # holds the write lock, as a long import would
        try:
            busy = client.post("/sign-up", data={**SIGN_UP, "csrf_token": token})
            # At least our 30 s; the rate limiter may push a limited form's Retry-After further.
            assert busy.status_code == 503 and int(busy.headers["Retry-After"]) >= 30
            assert "Sorry, the service is busy" in busy.get_data(as_text=True)
            assert "Nothing you sent has been saved" in busy.get_data(as_text=True)
        finally:
            other_writer.execute("ROLLBACK")
            other_writer.close()
        assert users(app) == 0
        assert sign_up(client).status_code == 200 and users(app) == 1


def test_the_busy_timeout_is_the_configured_one(tmp_path):
    with built_app(f"sqlite:///{tmp_path}/timeout.db") as default, \
            built_app(f"sqlite:///{tmp_path}/timeout.db", SQLITE_BUSY_TIMEOUT=2.5) as configured:
        for app, milliseconds in ((default, 10000), (configured, 2500)):
            with app.app_context():
                connection = db.session.connection().connection.driver_connection
                assert connection.execute("PRAGMA busy_timeout").fetchone() == (milliseconds,)


POSTGRESQL = [os.environ["TEST_DATABASE_URL"]] if os.environ.get("TEST_DATABASE_URL") else []


@pytest.mark.parametrize("server_url", POSTGRESQL, ids=["postgresql"] * len(POSTGRESQL))
def test_while_postgresql_is_unreachable_pages_say_so_and_it_recovers_by_itself(server_url):
    server = make_url(server_url)
    proxy = TcpProxy(server.host, server.port or 5432).start()
    url = server.set(host="127.0.0.1", port=proxy.port, query={"connect_timeout": "2"})
    with built_app(url.render_as_string(hide_password=False)) as app:
        try:
            client = app.test_client()
            assert client.get("/events").status_code == 200
            token = csrf_token(client, "/sign-up")

            proxy.cut()
            page = client.get("/events")
            assert page.status_code == 503 and "Sorry, the service is busy" in page.get_data(as_text=True)
            assert client.get("/readyz").status_code == 503 and client.get("/healthz").status_code == 200
            assert client.get("/api/v1/events").status_code == 503
            assert client.post("/sign-up", data={**SIGN_UP, "csrf_token": token}).status_code == 503

            proxy.start()  # the same address, back again: no restart of the app
            assert client.get("/events").status_code == 200 and client.get("/readyz").status_code == 200
            assert users(app) == 0  # the sign-up during the outage left nothing behind
            assert sign_up(client).status_code == 200 and users(app) == 1
        finally:
            proxy.cut()
            proxy.start()
            empty(app)
            proxy.cut()
