"""Read-only queries the event pages share."""
from datetime import datetime, time

from sqlalchemy import or_, select

from core.database import london_datetime
from core.extensions import db
from events.models import Audience, CohesionPriority, Event, EventKind, EventStatus, Venue

LISTED_STATUSES = (EventStatus.PUBLISHED, EventStatus.POSTPONED, EventStatus.CANCELLED)


def filtered_events(form, *, now: datetime):
    """Visible events matching the filter form, soonest first. Upcoming only
    unless a start date is given."""
    query = select(Event).where(Event.status.in_(LISTED_STATUSES), Event.audience != Audience.INVITATION)
    if form.date_from.data:
        query = query.where(Event.ends_at >= london_datetime(form.date_from.data, time(0, 0)))
    else:
        query = query.where(Event.ends_at >= now)
    if form.date_to.data:
        query = query.where(Event.starts_at <= london_datetime(form.date_to.data, time(23, 59, 59)))
    if form.kind.data:
        query = query.where(Event.kind == EventKind(form.kind.data))
    if form.priority.data:
        query = query.where(Event.priorities.any(CohesionPriority.slug == form.priority.data))
    if form.step_free.data:
        query = query.where(Event.venue.has(Venue.step_free.is_(True)))
    if form.q.data:
        term = f"%{form.q.data.strip()}%"
        query = query.where(or_(Event.title.ilike(term), Event.summary.ilike(term), Event.description.ilike(term)))
    return query.order_by(Event.starts_at, Event.id)


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
