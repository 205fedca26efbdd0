"""Change counters: one row per kind of record (say "events"), bumped by the
transaction that changes such a record. Any host can then tell whether
anything changed since a version it handed out (a calendar feed's ETag)
with one primary-key lookup, and two hosts whose clocks disagree cannot
hide a change from each other, as the newest `updated_at` could.

Changes are noticed however they go through a session: objects flushed, or
INSERT, UPDATE and DELETE statements on a tracked table. The bump is the
transaction's last statement before COMMIT, so the counter's row lock is
held only for the commit and is never held while waiting for another lock.

A table can count only changes to some of its columns, and deletions (a
person's name is on public pages once another table links them there, which
that table's change counts; the time they last signed in is on none, so
signing up or in bumps nothing).
"""
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import bindparam, case, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.database import utcnow
from core.models import ChangeCounter

# table name -> {counter: the columns whose change counts (None: any change)}
_COUNTERS_FOR_TABLE: dict[str, dict[str, frozenset[str] | None]] = {}
_PENDING = "change_counters_pending"  # key in Session.info: the counters this transaction must bump
_READ = select(ChangeCounter.value, ChangeCounter.changed_at).where(ChangeCounter.name == bindparam("name"))
_READ_MANY = select(ChangeCounter.name, ChangeCounter.value, ChangeCounter.changed_at).where(
    ChangeCounter.name.in_(bindparam("names", expanding=True)))


def track(table_name: str, counter: str, *, columns: Iterable[str] | None = None) -> None:
    """Bump `counter` whenever a row of `table_name` is added, changed or
    deleted; given `columns`, only when a row is deleted or one of them changes."""
    _COUNTERS_FOR_TABLE.setdefault(table_name, {})[counter] = frozenset(columns) if columns is not None else None


def version(session: Session, counter: str) -> tuple[int, datetime | None]:
    """How many changes `counter` has seen, and when the last one was."""
    row = session.execute(_READ, {"name": counter}).first()
    return (row.value, row.changed_at) if row else (0, None)


def versions(session: Session, counters: Iterable[str]) -> dict[str, tuple[int, datetime | None]]:
    """`version` of each of `counters`, in one query."""
    names = sorted(set(counters))
    found = {row.name: (row.value, row.changed_at) for row in session.execute(_READ_MANY, {"names": names})}
    return {name: found.get(name, (0, None)) for name in names}


def _note(session: Session, table_name: str | None, changed: Callable[[frozenset[str]], bool]) -> None:
    """Mark this table's counters to be bumped; `changed(columns)` says whether
    one of those columns changed."""
    counters = _COUNTERS_FOR_TABLE.get(table_name)
    if counters:
        session.info.setdefault(_PENDING, set()).update(
            counter for counter, columns in counters.items() if columns is None or changed(columns))


def _added(columns) -> bool:
    return False  # a new row counts only where every change counts


def _deleted(columns) -> bool:
    return True


@event.listens_for(Session, "before_flush")
def _note_flushed_objects(session, flush_context, instances):
    for instance in session.new:
        _note(session, getattr(instance, "__tablename__", None), _added)
    for instance in session.deleted:
        _note(session, getattr(instance, "__tablename__", None), _deleted)
    for instance in session.dirty:
        if session.is_modified(instance):
            state = inspect(instance)
            _note(session, getattr(instance, "__tablename__", None),
                  lambda columns: any(state.attrs[name].history.has_changes()
                                      for name in columns if name in state.attrs))


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    if state.is_insert:
        _note(state.session, state.statement.table.name, _added)
    elif state.is_delete:
        _note(state.session, state.statement.table.name, _deleted)
    elif state.is_update:
        _note(state.session, state.statement.table.name, lambda columns: _sets_any(state.statement, columns))


def _sets_any(statement, columns: frozenset[str]) -> bool:
    """Whether an UPDATE sets one of `columns` (when it cannot be told, it might)."""
    values = getattr(statement, "_values", None)
    if not values:
        return True
    return any(getattr(key, "key", key) in columns for key in values)


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
