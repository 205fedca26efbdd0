"""Fixtures: an app per database (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set), a client, and helpers that go through the real forms."""
import os
from pathlib import Path
import shutil
import tempfile
from contextlib import contextmanager
from html import unescape
import re
import time
from types import SimpleNamespace

import psycopg
import pyotp
import pytest
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.util import LRUCache
from werkzeug.datastructures import MultiDict

from app import create_app
from core.accounts import second_factor
from core.extensions import db, limiter
from core.accounts.models import User
from tests.factories import PASSWORD, UserFactory

# With pytest-xdist (`make test PYTEST_ARGS="-n 2"`, as CI runs) each worker
# process has a PostgreSQL database and rate-limit keys of its own, so one
# worker's emptying never touches another's.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _database_of_this_worker(url: str) -> str:
    """`url` for a single process; for an xdist worker, a database of its own
    beside it (made if missing), so workers never share tables."""
    if not WORKER:
        return url
    base = make_url(url)
    name = f"{base.database}_{WORKER}"
    with psycopg.connect(base.set(drivername="postgresql", database="postgres").render_as_string(
            hide_password=False), autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


if os.environ.get("TEST_DATABASE_URL"):
    # Tests that read the variable themselves (a PostgreSQL outage, say) get this worker's database too.
    os.environ["TEST_DATABASE_URL"] = _database_of_this_worker(os.environ["TEST_DATABASE_URL"])
SHARED_MEMORY = "/dev/shm"
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])

TEST_CONFIG = {
    "TESTING": True,
    "SERVER_NAME": "localhost",
    "PREFERRED_URL_SCHEME": "http",
    "SECRET_KEY": "test-secret-key",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "MAIL_BACKEND": "locmem",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_SECURE": False,
    "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
    # Jobs run at once inside the request that queued them; tests/core/test_jobs.py runs real workers.
    "JOBS_STORAGE_URI": "memory://",
    # Fuzzing sends far more than a person would; the tests of these limits set their own.
    "BULK_EMAIL_LIMIT_PER_ACCOUNT": "10000 per hour",
    "REPORT_PDF_LIMIT_PER_ACCOUNT": "10000 per hour",
    "IMPORT_UPLOAD_LIMIT_PER_ACCOUNT": "10000 per hour",
    "RATELIMIT_KEY_PREFIX": f"shared-future-test{WORKER}",
    # Emptying the limiter between tests deletes its storage's keys: each worker keeps to its own.
    **({"RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"LIMITS{WORKER}"}}
       if WORKER and os.environ.get("RATELIMIT_STORAGE_URI", "").startswith("redis") else {}),
    # Each test makes a new app and engine; sharing SQLAlchemy's cache of
    # compiled statements between them saves compiling every query again.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True,
                                  "execution_options": {"compiled_cache": LRUCache(5000)}},
}

CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def reset_postgresql(url: str) -> None:
    """Start from an empty schema: no tables, types or alembic_version left
    over from an earlier run."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def pytest_collection_modifyitems(config, items):
    """A test marked `postgresql_sample(keep)` runs all its parameters on
    SQLite and, on PostgreSQL, only those `keep` picks: for a large grid whose
    every cell is the same few queries (the role x route matrix), where what
    PostgreSQL adds is its dialect, which a sample of cells exercises."""
    sampled_out = []
    for item in items:
        marker = item.get_closest_marker("postgresql_sample")
        params = getattr(item, "callspec", None) and item.callspec.params
        if marker and params and params.get("database_url") == "postgresql" and not marker.args[0](params):
            sampled_out.append(item)
        # `either_database`: what the test checks happens in front of the database (a proxy, a
        # second host), so it runs once, on PostgreSQL where it is set, as deployed.
        elif (item.get_closest_marker("either_database") and params and "postgresql" in DATABASES
              and params.get("database_url") == "sqlite"):
            sampled_out.append(item)
    if sampled_out:
        config.hook.pytest_deselected(items=sampled_out)
        dropped = set(sampled_out)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        # In memory-backed files where the machine has them: the same SQLite, without waiting
        # for the disk at every commit (a tenth of the SQLite tests' time).
        folder = (Path(tempfile.mkdtemp(prefix="shared-future-test-", dir=SHARED_MEMORY))
                  if os.access(SHARED_MEMORY, os.W_OK) else tmp_path_factory.mktemp("db"))
        request.addfinalizer(lambda: shutil.rmtree(folder, ignore_errors=True))
        return f"sqlite:///{folder / 'test.db'}"
    url = os.environ["TEST_DATABASE_URL"]
    reset_postgresql(url)
    return url


class _SharedTemplateCache(BytecodeCache):
    """Each test builds a new app; sharing compiled templates between them
    saves recompiling every page for every test."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CACHE = _SharedTemplateCache()


def make_app(database_url, **overrides):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    app.jinja_env.bytecode_cache = _TEMPLATE_CACHE
    return app


@pytest.fixture(scope="session")
def shared_app(database_url):
    """One app per database for the whole run: building an app compiles every
    route (a seventh of a second), which cost more than most tests."""
    with built_app(database_url) as app:
        yield app


@pytest.fixture
def app(shared_app):
    """The shared app as new: its settings as built, no rows, no rate limits
    and no mail, whatever the test before it did."""
    settings = dict(shared_app.config)
    yield shared_app
    shared_app.config.clear()
    shared_app.config.update(settings)
    shared_app.extensions["mailman"].outbox = []
    empty(shared_app)


@contextmanager
def built_app(database_url, **overrides):
    """An app with its tables made; its connections closed afterwards."""
    app = make_app(database_url, **overrides)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def every_row(app) -> dict[str, str]:
    """Every row of every table, to show that something changed nothing (or that a copy is whole):
    for each table, its count and its rows written out by the database, all tables in one round
    trip (it runs before and after every refused form of the matrix and the fuzzing, and a query
    per table cost more than the requests themselves). PostgreSQL gives each table's rows as an md5."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            return dict(db.session.execute(text(" UNION ALL ".join(
                f"SELECT '{table.name}', count(*)::text || ' ' || "
                f"md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM \"{table.name}\" t"
                for table in db.metadata.sorted_tables))).all())
        return dict(db.session.execute(text(" UNION ALL ".join(
            f"SELECT '{table.name}', count(*) || ' ' || coalesce(group_concat("
            + " || ',' || ".join(f'quote("{column.name}")' for column in table.columns)
            + f", ';'), '') FROM (SELECT * FROM \"{table.name}\" ORDER BY rowid)"
            for table in db.metadata.sorted_tables))).all())


def rows_of(app) -> dict:
    """Every row of every table as it is now, to put back with `restore_rows`
    (quicker than making a world again with the factories or the demo). The change
    counters are the database's own bookkeeping: restoring rows bumps them anyway."""
    with app.app_context():
        return {table: found for table in db.metadata.sorted_tables if table.name != "change_counters"
                if (found := [dict(row._mapping) for row in db.session.execute(table.select())])}


def made_once(shared_app, make) -> tuple:
    """What `make()` returns, made in the shared app, and the rows it wrote, for a
    module's fixture to restore before each test; the tables are left empty."""
    with shared_app.app_context():
        made = make()
    rows = rows_of(shared_app)
    empty(shared_app)
    return made, rows


def restore_rows(app, rows: dict) -> None:
    """Put back rows kept by `rows_of`, ids and all."""
    with app.app_context():
        for table, found in rows.items():
            db.session.execute(table.insert(), found)
        if db.engine.dialect.name == "postgresql":
            # Rows came back with their ids; move each sequence past them for rows the test makes
            # (in one round trip: it runs before every check of the matrix).
            db.session.connection().exec_driver_sql("; ".join(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT MAX(id) FROM {table.name}))"
                for table in rows
                if table.autoincrement_column is not None and table.autoincrement_column.name == "id"))
        db.session.commit()


def empty(app) -> None:
    """Delete every row and forget every rate limit, ready for the next test."""
    with app.app_context():
        db.session.remove()
        # One statement list rather than one statement a table: it runs after every test
        # (on SQLite a fifth of the time, on PostgreSQL one round trip).
        deletes = " ".join(f'DELETE FROM "{table.name}";' for table in reversed(db.metadata.sorted_tables))
        if db.engine.dialect.name == "postgresql":
            db.session.connection().exec_driver_sql(deletes)
            db.session.commit()
        else:
            connection = db.engine.raw_connection()
            try:
                connection.driver_connection.executescript(f"BEGIN; {deletes} COMMIT;")
            finally:
                connection.close()
        limiter.reset()


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on its own SQLite file, for what only SQLite does."""
    app = make_app(f"sqlite:///{tmp_path}/sqlite-only.db")
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    """Messages the mail backend has sent, newest last."""
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


def csrf_token(client, url) -> str:
    response = client.get(url)
    match = CSRF.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {response.status_code})"
    return match.group(1)


def submit(client, url, data=None, *, form_url=None, **kwargs):
    """Fill in and send the form on `form_url` (default: `url`), as a browser would."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def error_summary(response) -> list[tuple[str, str]]:
    """The page's error summary, in order: where each message links, and the message."""
    listed = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.get_data(as_text=True), re.S)
    return [(unescape(href), unescape(message).strip())
            for href, message in re.findall(r'<a href="([^"]*)">(.*?)</a>', listed.group(1), re.S)] if listed else []


@pytest.fixture
def make_user(app):
    def make(*, roles=(), **fields):
        with app.app_context():
            user = UserFactory(roles=roles, **fields)
            return SimpleNamespace(id=user.id, email=user.email, name=user.name, password=PASSWORD)
    return make


def sign_in(client, user, password=None):
    """Signed in as the forms leave a browser, without posting them: for the
    many tests about something else. Given a `password`, or for the sign-in
    tests themselves, use `sign_in_through_the_forms`."""
    if password is not None:
        return sign_in_through_the_forms(client, user, password)
    app = client.application
    with app.app_context():
        account = db.session.scalar(select(User).where(User.email == user.email.strip().lower()))
        assert account is not None and account.email_confirmed, f"{user.email} cannot sign in"
        identifier = account.get_id()
    with app.test_request_context(environ_base=client.environ_base):
        device = app.login_manager._session_identifier_generator()
    with client.session_transaction() as session:
        session.clear()
        session.update({"_user_id": identifier, "_fresh": True, "_id": device})


def sign_in_through_the_forms(client, user, password=None):
    """Sign in through the real forms: the password, then (for anyone asked)
    a code from the person's authenticator app, or setting one up."""
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in", data={"email": user.email, "password": password or user.password,
                                             "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    if response.location == "/sign-in/code":
        with client.application.app_context():
            account = db.session.scalar(select(User).where(User.email == user.email.strip().lower()))
            secret, last_step = account.totp_secret, forget_used_steps_if_all_are_used(account)
        # The session keeps its form token from the password step.
        response = client.post("/sign-in/code", data={"code": authenticator_code(secret, after=last_step),
                                                      "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
    elif response.location == "/sign-in/set-up-code":
        page = client.get("/sign-in/set-up-code").get_data(as_text=True)
        secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
        response = client.post("/sign-in/set-up-code", data={"code": authenticator_code(secret),
                                                             "csrf_token": token})
        assert response.status_code == 200 and "Save your recovery codes" in response.get_data(as_text=True)
    return response


SECRET_ON_PAGE = re.compile(r'<code id="secret" translate="no">([A-Z2-7 ]+)</code>')


def forget_used_steps_if_all_are_used(account) -> int | None:
    """The suite signs one person in more often than a person can (the server
    takes each 30-second step once, and at most the next one ahead): rather
    than wait for the clock, forget which steps were used. Replay protection
    has its own tests in tests/core/test_second_factor.py. Returns the last
    step used, as the code helper wants it."""
    if account.totp_last_step is not None and \
            account.totp_last_step >= int(time.time()) // second_factor.STEP_SECONDS + 1:
        account.totp_last_step = None
        db.session.commit()
    return account.totp_last_step


def authenticator_code(secret: str, *, after: int | None = None) -> str:
    """What the person's app shows: the code of a 30-second step the server
    will still take: a step after the last one used (it also takes the step
    after the current one, so signing in twice within 30 seconds works).
    Waits for the next step when a test has used both already."""
    while True:
        now = int(time.time()) // second_factor.STEP_SECONDS
        # The current step first: it stays acceptable if the clock ticks over in flight.
        for step in (now, now + 1):
            if after is None or step > after:
                return pyotp.TOTP(secret).generate_otp(step)
        time.sleep(second_factor.STEP_SECONDS - time.time() % second_factor.STEP_SECONDS + 0.01)


_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
_SEND = re.compile(r'<button type="submit" class="govuk-button" formaction="([^"]+)"')


def preview_form(response) -> tuple[str, list[tuple[str, str]]]:
    """A preview page's Send button: where it posts and the hidden fields it
    sends (the text as written and the preview's one-time key)."""
    html = response.get_data(as_text=True)
    found = _SEND.search(html)
    assert found, f"no Send button on the preview (status {response.status_code})"
    fields = []
    for tag in _HIDDEN.findall(html):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        fields.append((unescape(name.group(1)), unescape(value.group(1)) if value else ""))
    return unescape(found.group(1)), fields


def preview_and_send(client, url, data, **kwargs):
    """Write (the form on `url`), preview, and press Send, as a browser would."""
    send_url, fields = preview_form(submit(client, url, data))
    return client.post(send_url, data=MultiDict(fields), **kwargs)
