"""Declarative base, naming convention, column types and transaction rules
shared by every model.

Timestamps are stored in UTC and always come back timezone-aware, on SQLite
(which keeps no offset) as well as PostgreSQL.

Writes that use up capacity must lock before they count. PostgreSQL locks the
row (`SELECT ... FOR UPDATE`); SQLite ignores FOR UPDATE, so such work runs
inside `write_lock()`, whose transaction starts with BEGIN IMMEDIATE and so
holds the database's single write lock from its first statement.
"""
import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import g, request

from sqlalchemy import DateTime, Integer, MetaData, Table, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime in UTC")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def london_datetime(day: date, clock: time) -> datetime:
    """A wall-clock date and time in the UK, as an aware UTC datetime."""
    return datetime.combine(day, clock, tzinfo=LONDON).astimezone(timezone.utc)


def in_london(value: datetime) -> datetime:
    return value.astimezone(LONDON)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    registry = registry(metadata=metadata, type_annotation_map={datetime: UTCDateTime()})


# None, "next" (the next transaction only) or "every" (every transaction).
_write_lock_wanted: ContextVar[str | None] = ContextVar("write_lock_wanted", default=None)


@contextmanager
def write_lock(*, every_transaction: bool = False):
    """The next transaction begun inside this block takes SQLite's write lock
    up front. Enter it before the transaction's first query. Only that one
    transaction is affected, so what follows its commit (rendering a page,
    sending mail) does not hold up other writers; scripts and tests that
    commit several times may ask for `every_transaction`."""
    token = _write_lock_wanted.set("every" if every_transaction else "next")
    try:
        yield
    finally:
        _write_lock_wanted.reset(token)


CHANGES_NOTHING = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app) -> None:
    """The request pipeline's locking rule, by policy rather than by a
    decorator someone may forget: on SQLite, a request that may change
    something (any method but GET, HEAD or OPTIONS) begins its first
    transaction under `write_lock()`, so it reads what it will write with the
    database's write lock already held. Without it, two such requests at once
    both read, then one fails to write with "database is locked" (a 503 on a
    Publish pressed twice). PostgreSQL locks rows instead (`lock_row`).
    Register it before anything that may query the database for a request
    (signing the person in does)."""
    @app.before_request
    def lock_writes():
        if request.method not in CHANGES_NOTHING:
            g.write_lock_token = _write_lock_wanted.set("next")

    @app.teardown_request
    def forget_write_lock(_error):
        token = g.pop("write_lock_token", None)
        if token is not None:
            _write_lock_wanted.reset(token)


def holds_write_lock(session) -> bool:
    """True where a capacity count is safe: PostgreSQL (which locks rows) or
    a SQLite transaction begun under write_lock()."""
    if session.get_bind().dialect.name != "sqlite":
        return True
    return bool(session.connection().info.get("immediate"))


def lock_row(session, model, row_id: int) -> None:
    """Lock one row until commit (PostgreSQL: SELECT ... FOR UPDATE); on
    SQLite, insist the transaction already holds the database's write lock."""
    if not holds_write_lock(session):
        raise RuntimeError("row locks on SQLite need a transaction begun inside core.database.write_lock()")
    session.execute(select(model.id).where(model.id == row_id).with_for_update())


@contextmanager
def temporary_table(session, table: Table, query):
    """`query`'s rows kept in a temporary table of the session's connection
    for the body of the `with`: a large intermediate result worked out once
    and counted several ways. `table` names it and its columns (those
    `query` selects), declared once so that statements over it compile
    once. Dropped at the end; if the body fails, the transaction's rollback
    drops it (both databases roll back DDL)."""
    session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))  # a pooled connection's, should one have lasted
    session.execute(_CreateTemporaryTableAs(table.name, query))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {table.name}"))  # no statistics otherwise: its joins would be planned blind
    yield table
    session.execute(text(f"DROP TABLE {table.name}"))


class _CreateTemporaryTableAs(Executable, ClauseElement):
    inherit_cache = True  # compiled once for each shape of query, like any statement
    _traverse_internals = [("name", InternalTraversal.dp_string), ("query", InternalTraversal.dp_clauseelement)]

    def __init__(self, name: str, query):
        self.name, self.query = name, query


@compiles(_CreateTemporaryTableAs)
def _create_temporary_table_as(element, compiler, **kw):
    return f"CREATE TEMPORARY TABLE {element.name} AS {compiler.process(element.query, **kw)}"


class keyed_byte(GenericFunction):
    """keyed_byte(secret, text): a number from 0 to 255 fixed by the text and
    a secret (the first byte of md5(secret || text)), the same on SQLite and
    PostgreSQL, worked out in the database so a GROUP BY can add them up."""
    type = Integer()
    inherit_cache = True


def _keyed_byte(secret: str, text: str) -> int:
    return hashlib.md5((secret + text).encode()).digest()[0]


@compiles(keyed_byte, "postgresql")
def _keyed_byte_postgresql(element, compiler, **kw):
    secret, text = list(element.clauses)
    return (f"get_byte(decode(md5({compiler.process(secret, **kw)} || {compiler.process(text, **kw)}), 'hex'), 0)")


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """WAL lets readers carry on while one writer writes; foreign keys are off
    by default in SQLite. (How long a writer waits for the write lock before
    giving up is the driver's timeout, SQLITE_BUSY_TIMEOUT, set by create_app.)
    The driver's own transaction handling is switched off so that _begin
    below decides how each transaction starts."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    dbapi_connection.create_function("keyed_byte", 2, _keyed_byte, deterministic=True)


@event.listens_for(Engine, "begin")
def _begin(connection):
    if connection.dialect.name != "sqlite":
        return
    wanted = _write_lock_wanted.get()
    if wanted == "next":
        _write_lock_wanted.set(None)
    immediate = wanted is not None
    connection.info["immediate"] = immediate
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
