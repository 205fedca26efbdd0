"""Read-only queries the event pages and the API share, and the reads that
carry a permission meaning (`events_managed_by`), written once here so that
a list and a check cannot drift apart."""
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import defaultload, lazyload

from core.content_languages import in_page_language
from core.database import london_datetime
from core.extensions import db
from core.accounts.models import User
from core.accounts.permissions import is_admin
from events import audiences
from events.models import (
    Audience, CohesionPriority, Event, EventKind, EventStatus, EventTranslation, Registration, RegistrationStatus,
    Venue,
)
from events.permissions import can_create_events, can_view_event

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


def filtered_events(search: EventSearch, *, now: datetime, translated: bool = False):
    """Listed events matching the search, soonest first (ties by id, so
    pages never shuffle). Upcoming only unless a start date is given.
    Words are looked for in every language's version too. `translated`:
    with each event's version in the page's language (for a page to show;
    the API is English)."""
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
                                  for column in (Event.title, Event.summary, Event.description)),
                                Event.translations.any(or_(*(
                                    column.icontains(term, autoescape=True) for column in (
                                        EventTranslation.title, EventTranslation.summary,
                                        EventTranslation.description))))))
    if translated:
        query = query.options(*in_page_language(Event.translations))
    # Sorted by an expression rather than the bare column, so the database finds
    # the events through ix_events_listing and sorts the few that match. Given
    # the bare column, PostgreSQL walks the start-time index from ten years ago,
    # expecting the coming events to be spread through it (12 ms, not 3).
    return query.order_by(func.coalesce(Event.starts_at, Event.starts_at), Event.id)


def events_managed_by(user):
    """The events this person may manage, as `permissions.can_manage_event`
    decides for one: every event for an admin; the events they organise while
    they may create events; a forum's events for its coordinators. A select,
    for the caller to order and page; `tests/events/test_managed_events.py`
    holds the two to the same answer."""
    query = select(Event)
    if is_admin(user):
        return query
    if not getattr(user, "is_authenticated", False):
        return query.where(false())
    managed = [Event.forum_id.in_(audiences.forums_run_by(user))]
    if can_create_events(user):
        managed.append(Event.organisers.any(User.id == user.id))
    return query.where(or_(*managed))


def registrations_held_by(user) -> list[Registration]:
    """A person's registrations that are not cancelled, soonest event first
    (My events, which shows their events in the page's language, and whether
    they came: the rest of what a registration and its event load with them
    is left until asked for, which My events does not)."""
    return list(db.session.scalars(
        select(Registration).join(Registration.event)
        .where(Registration.user_id == user.id, Registration.status != RegistrationStatus.CANCELLED)
        .order_by(Event.starts_at).options(
            lazyload(Registration.answers), lazyload(Registration.access_requests),
            defaultload(Registration.event).lazyload(Event.organisers),
            defaultload(Registration.event).lazyload(Event.priorities),
            *in_page_language(Event.translations, Registration.event))))


def registrations_shown_to_holder(user) -> list[Registration]:
    """My events: `registrations_held_by`, without those for a members-only
    meeting the holder may no longer see (no longer a member), every forum
    among them asked about once rather than once a meeting."""
    held = registrations_held_by(user)
    forums = audiences.known_forums(user, {registration.event.forum_id for registration in held})
    return [registration for registration in held if can_view_event(user, registration.event, forums=forums)]


def booked_named(event: Event, search: str) -> list[Registration]:
    """The check-in list: those booked on the event whose name contains
    `search` (everyone booked when it is empty), by name."""
    query = select(Registration).where(Registration.event_id == event.id,
                                       Registration.status == RegistrationStatus.CONFIRMED)
    if search:
        query = query.where(Registration.name.icontains(search, autoescape=True))
    # Their event is `event`, already loaded: not joined again with everything it loads; the list
    # shows no answers to the event's questions.
    return list(db.session.scalars(query.order_by(Registration.name).options(
        lazyload(Registration.event), lazyload(Registration.answers))))


def priorities_in_order() -> list[CohesionPriority]:
    """The cohesion priorities in their set order, as every list of them shows them."""
    return list(db.session.scalars(select(CohesionPriority).order_by(CohesionPriority.position)))


def priority_choices() -> list[tuple]:
    """For the event form: choices keyed by id."""
    return [(p.id, p.name) for p in priorities_in_order()]


def priority_filter_choices() -> list[tuple]:
    """For the public filter: choices keyed by slug, so links read well."""
    return [(p.slug, p.name) for p in priorities_in_order()]


def venues_by_name() -> list[Venue]:
    return list(db.session.scalars(select(Venue).order_by(Venue.name)))


def venue_choices() -> list[tuple]:
    return [(v.id, f"{v.name}, {v.postcode}") for v in venues_by_name()]
