"""Change counters: one row per kind of record (say "events"), bumped by the
transaction that changes such a record. Any host can then tell whether
anything changed since a version it handed out (a calendar feed's ETag)
with one primary-key lookup, and two hosts whose clocks disagree cannot
hide a change from each other, as the newest `updated_at` could.

Changes are noticed however they go through a session: objects flushed, or
INSERT, UPDATE and DELETE statements on a tracked table. The bump is the
transaction's last statement before COMMIT, so the counter's row lock is
held only for the commit and is never held while waiting for another lock.
"""
from datetime import datetime
from itertools import chain

from sqlalchemy import bindparam, case, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.database import utcnow
from core.models import ChangeCounter

_COUNTERS_FOR_TABLE: dict[str, set[str]] = {}
_PENDING = "change_counters_pending"  # key in Session.info: the counters this transaction must bump
_READ = select(ChangeCounter.value, ChangeCounter.changed_at).where(ChangeCounter.name == bindparam("name"))


def track(table_name: str, counter: str) -> None:
    """Bump `counter` whenever a row of `table_name` is added, changed or deleted."""
    _COUNTERS_FOR_TABLE.setdefault(table_name, set()).add(counter)


def version(session: Session, counter: str) -> tuple[int, datetime | None]:
    """How many changes `counter` has seen, and when the last one was."""
    row = session.execute(_READ, {"name": counter}).first()
    return (row.value, row.changed_at) if row else (0, None)


def _note(session: Session, table_name: str | None) -> None:
    counters = _COUNTERS_FOR_TABLE.get(table_name)
    if counters:
        session.info.setdefault(_PENDING, set()).update(counters)


@event.listens_for(Session, "before_flush")
def _note_flushed_objects(session, flush_context, instances):
    for instance in chain(session.new, session.deleted):
        _note(session, getattr(instance, "__tablename__", None))
    for instance in session.dirty:
        if session.is_modified(instance):
            _note(session, getattr(instance, "__tablename__", None))


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    if state.is_insert or state.is_update or state.is_delete:
        _note(state.session, state.statement.table.name)


@event.listens_for(Session, "before_commit")
def _bump_pending(session):
    session.flush()  # what is still unflushed is part of this transaction too
    for counter in sorted(session.info.pop(_PENDING, ())):
        session.execute(_bump(session.get_bind().dialect.name, counter))


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session, transaction):
    """A rolled-back transaction changed nothing (a savepoint's rollback
    keeps the mark: bumping once too often only costs a rebuild)."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _bump(dialect_name: str, counter: str):
    """Add one, creating the row the first time; `changed_at` never goes back
    even when this host's clock is behind the last one's."""
    table = ChangeCounter.__table__
    now = utcnow()
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return insert(table).values(name=counter, value=1, changed_at=now).on_conflict_do_update(
        index_elements=[table.c.name],
        set_={"value": table.c.value + 1,
              "changed_at": case((table.c.changed_at > now, table.c.changed_at), else_=now)})
