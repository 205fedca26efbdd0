"""Read-only queries the event pages and the API share."""
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, or_, select

from core.database import london_datetime
from core.extensions import db
from events.models import Audience, CohesionPriority, Event, EventKind, EventStatus, Venue

LISTED_STATUSES = (EventStatus.PUBLISHED, EventStatus.POSTPONED, EventStatus.CANCELLED)


@dataclass(frozen=True)
class EventSearch:
    """What someone is looking for in the events list (or the API)."""
    text: str = ""
    kind: EventKind | None = None
    priority_slug: str = ""
    date_from: date | None = None
    date_to: date | None = None
    step_free: bool = False
    public_only: bool = False  # leave out events for people with an account


def filtered_events(search: EventSearch, *, now: datetime):
    """Listed events matching the search, soonest first (ties by id, so
    pages never shuffle). Upcoming only unless a start date is given."""
    # Invitation-only events and forums' own meetings are not listed to everyone.
    audiences = [Audience.PUBLIC] if search.public_only else [Audience.PUBLIC, Audience.MEMBERS]
    query = select(Event).where(Event.status.in_(LISTED_STATUSES), Event.audience.in_(audiences))
    if search.date_from:
        query = query.where(Event.ends_at >= london_datetime(search.date_from, time(0, 0)))
    else:
        query = query.where(Event.ends_at >= now)
    if search.date_to:
        query = query.where(Event.starts_at <= london_datetime(search.date_to, time(23, 59, 59)))
    if search.kind:
        query = query.where(Event.kind == search.kind)
    if search.priority_slug:
        query = query.where(Event.priorities.any(CohesionPriority.slug == search.priority_slug))
    if search.step_free:
        query = query.where(Event.venue.has(Venue.step_free.is_(True)))
    if search.text.strip():  # "100%" means the characters, not a wildcard
        term = search.text.strip()
        query = query.where(or_(*(column.icontains(term, autoescape=True)
                                  for column in (Event.title, Event.summary, Event.description))))
    # Sorted by an expression rather than the bare column, so the database finds
    # the events through ix_events_listing and sorts the few that match. Given
    # the bare column, PostgreSQL walks the start-time index from ten years ago,
    # expecting the coming events to be spread through it (12 ms, not 3).
    return query.order_by(func.coalesce(Event.starts_at, Event.starts_at), Event.id)


def _priorities():
    return db.session.scalars(select(CohesionPriority).order_by(CohesionPriority.position))


def priority_choices() -> list[tuple]:
    """For the event form: choices keyed by id."""
    return [(p.id, p.name) for p in _priorities()]


def priority_filter_choices() -> list[tuple]:
    """For the public filter: choices keyed by slug, so links read well."""
    return [(p.slug, p.name) for p in _priorities()]


def venue_choices() -> list[tuple]:
    return [(v.id, f"{v.name}, {v.postcode}") for v in db.session.scalars(select(Venue).order_by(Venue.name))]
