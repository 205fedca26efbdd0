"""How the embedded SQLite database is set up."""
from contextlib import contextmanager

from sqlalchemy import event, text

from core.extensions import db
from tests.conftest import csrf_token


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(sqlite_app):
    with sqlite_app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


@contextmanager
def transactions_begun(app):
    """How each transaction the app begins starts: "BEGIN" or "BEGIN IMMEDIATE"."""
    begun = []

    def seen(connection, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            begun.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield begun
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_on_sqlite_a_request_that_may_change_something_takes_the_write_lock_from_its_first_transaction(
        sqlite_app):
    """By policy, not by a decorator on each view: a form posted to any route
    reads what it will write with SQLite's write lock held, so two presses at
    once queue rather than one failing with "database is locked"."""
    client = sqlite_app.test_client()
    token = csrf_token(client, "/sign-in")
    with transactions_begun(sqlite_app) as begun:
        client.post("/sign-in", data={"email": "nobody@example.org", "password": "wrong", "csrf_token": token})
    assert begun[0] == "BEGIN IMMEDIATE"
    with transactions_begun(sqlite_app) as begun:
        client.get("/sign-in")
        client.get("/")
    assert begun and set(begun) == {"BEGIN"}, "reading pages must not hold up writers"


def test_a_post_that_never_reached_the_database_leaves_the_next_request_unlocked(sqlite_app):
    client = sqlite_app.test_client()
    assert client.post("/sign-in", data={}).status_code == 400  # no form token: refused before any query
    with transactions_begun(sqlite_app) as begun:
        client.get("/")
    assert begun and set(begun) == {"BEGIN"}


def test_a_temporary_table_holds_its_querys_rows_for_the_with_and_is_gone_after_it_or_after_a_failure(app):
    """core.database.temporary_table, on each database: what the reports
    work their people out into (reports.queries.participation)."""
    import pytest
    from sqlalchemy import Column, Integer, MetaData, Table, func, inspect, select
    from core.database import temporary_table
    from events.models import Event, EventKind
    from tests.events.factories import EventFactory

    def tables():
        return set(inspect(db.session.connection()).get_temp_table_names()) if db.engine.dialect.name == "sqlite" \
            else set(db.session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname LIKE 'pg_temp%'")))

    with app.app_context():
        EventFactory(kind=EventKind.WORKSHOP)
        EventFactory(kind=EventKind.WORKSHOP)
        EventFactory(kind=EventKind.STANDING_CONFERENCE)
        db.session.commit()
        by_kind = select(Event.kind.label("kind"), func.count().label("events")).group_by(Event.kind)
        counted = Table("kinds_counted", MetaData(), Column("kind", Event.__table__.c.kind.type),
                        Column("events", Integer))
        with temporary_table(db.session, counted, by_kind) as kinds:
            assert "kinds_counted" in tables()
            assert dict(db.session.execute(select(kinds.c.kind, kinds.c.events)).all()) == {
                EventKind.WORKSHOP: 2, EventKind.STANDING_CONFERENCE: 1}
        assert "kinds_counted" not in tables()
        with pytest.raises(ZeroDivisionError), temporary_table(db.session, counted, by_kind):
            1 / 0
        db.session.rollback()
        assert "kinds_counted" not in tables()
        with temporary_table(db.session, counted, by_kind) as kinds:  # the same table again, at once
            assert db.session.scalar(select(func.sum(kinds.c.events))) == 3
