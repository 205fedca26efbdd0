"""An event's places: the lock taken before counting them, and the counts.

Every function that uses up or frees places locks the event first (`_lock`)
and counts inside the same transaction: PostgreSQL locks the event row;
SQLite needs the caller's transaction to have begun under
`core.database.write_lock()`. Every module of events.services takes this one
lock, so whatever is done to an event's places happens one at a time.
"""
from datetime import datetime

from sqlalchemy import func, select

from core.database import lock_row, utcnow
from core.extensions import db
from events.models import Event, EventStatus, HOLDS_PLACES, Registration, RegistrationStatus


def _lock(event: Event) -> None:
    """Take the event's capacity lock for the rest of this transaction."""
    lock_row(db.session, Event, event.id)


def _lock_as_it_is_now(event: Event) -> None:
    """Take the lock, then read the event's own columns again: it may have
    been hidden, cancelled or made smaller while this waited. Its priorities
    and organisers, which no capacity rule reads, are not read again: every
    registration for the event waits while this holds the lock."""
    _lock(event)
    db.session.refresh(event, [column.key for column in Event.__mapper__.column_attrs])


def places_held(event: Event) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(Registration.tickets), 0)).where(
            Registration.event_id == event.id, Registration.status.in_(HOLDS_PLACES)
        )
    )


def places_left(event: Event) -> int | None:
    """None when the event has no limit."""
    if event.capacity is None:
        return None
    return _places_left(event, places_held(event))


def places_left_for(events: list[Event]) -> dict[int, int | None]:
    """places_left for many events, from one query."""
    held = dict(db.session.execute(
        select(Registration.event_id, func.sum(Registration.tickets))
        .where(Registration.event_id.in_([e.id for e in events if e.capacity is not None] or [-1]),
               Registration.status.in_(HOLDS_PLACES))
        .group_by(Registration.event_id)).all())
    return {event.id: None if event.capacity is None else _places_left(event, held.get(event.id, 0))
            for event in events}


def _places_left(event: Event, held: int) -> int:
    return max(event.capacity - event.reserved_places - held, 0)


def active_registration_count(event: Event) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status != RegistrationStatus.CANCELLED
    ))


def registration_open(event: Event, now: datetime | None = None) -> bool:
    now = now or utcnow()
    closes = event.registration_closes_at or event.starts_at
    return event.status == EventStatus.PUBLISHED and now < closes
