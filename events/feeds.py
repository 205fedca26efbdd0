"""Subscribable calendar feeds of public events: what goes in each, and a
version cheap enough to answer a repeat poll without building anything.

The version is a change counter (core.changes), read from the
database, so every worker and host agrees on it and an edit anywhere is seen
at once; nothing is cached in a process.
"""
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from core import changes
from core.database import utcnow
from core.extensions import db
from events.models import (
    Audience, CohesionPriority, Event, EventKind, EventStatus, Registration, RegistrationStatus,
)
from events.permissions import can_view_event

FORMAT_VERSION = 2
COUNTER = "calendar_feeds"
# What the public feeds are made of (a forum's feed is named after the forum):
# a change to a row of any of these gives every feed a new version.
for table_name in ("events", "event_series", "venues", "cohesion_priorities", "forums"):
    changes.track(table_name, COUNTER)
RECENT_PAST = timedelta(days=92)  # recent events stay, so cancellations still reach calendars
FEED_STATUSES = tuple(status for status in EventStatus if status != EventStatus.DRAFT)


@dataclass(frozen=True)
class Feed:
    key: str
    name: str
    description: str
    condition: object = None  # an extra WHERE clause on Event

    def version(self) -> tuple[str, datetime | None]:
        """An ETag for this feed as it is now, and when anything last changed."""
        changes_seen, latest = changes.version(db.session, COUNTER)
        stamp = f"{FORMAT_VERSION}:{self.key}:{changes_seen}:{date.today()}"
        return hashlib.sha256(stamp.encode()).hexdigest()[:32], latest

    def events(self, now: datetime | None = None) -> list[Event]:
        """The public events in this feed, with every occurrence of any series among them."""
        now = now or utcnow()
        # A feed writes an event's own columns, its venue and its series' rule: not its picture,
        # priorities or organisers, which every list of events loads by default.
        unused = (lazyload(Event.image), lazyload(Event.priorities), lazyload(Event.organisers))
        query = select(Event).options(*unused).where(Event.audience == Audience.PUBLIC, Event.status.in_(FEED_STATUSES),
                                    Event.ends_at >= now - RECENT_PAST)
        if self.condition is not None:
            query = query.where(self.condition)
        events = list(db.session.scalars(query.order_by(Event.starts_at)))
        series_ids = {event.series_id for event in events if event.series_id}
        if series_ids:
            events += db.session.scalars(select(Event).options(*unused).where(
                Event.series_id.in_(series_ids), Event.id.not_in([event.id for event in events])))
        return events


def series_sequences(events: list[Event]) -> dict[int, int]:
    """The calendar SEQUENCE (events.ical.series_sequence) of each series
    these events are dates of, from one query."""
    ids = {event.series_id for event in events if event.series_id is not None}
    if not ids:
        return {}
    return {series_id: int(total) for series_id, total in db.session.execute(
        select(Event.series_id, func.sum(Event.sequence)).where(Event.series_id.in_(ids)).group_by(Event.series_id))}


# What a person's own feed shows: places they hold or are queueing for.
IN_PERSONAL_FEED = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED, RegistrationStatus.WAITLISTED)


def _personal_query(user_id: int, now: datetime):
    return (select(Registration).join(Registration.event)
            .where(Registration.user_id == user_id, Registration.status.in_(IN_PERSONAL_FEED),
                   Event.status != EventStatus.DRAFT, Event.ends_at >= now - RECENT_PAST))


def personal_registrations(owner, now: datetime | None = None) -> list[Registration]:
    """The registrations in one person's feed, soonest first: only for events
    they may see now. A members-only meeting leaves the feed (time, place and
    all) when they stop being a member, whatever the registration says."""
    registrations = db.session.scalars(_personal_query(owner.id, now or utcnow())
                                       .order_by(Event.starts_at, Registration.id)).all()
    return [registration for registration in registrations if can_view_event(owner, registration.event)]


def personal_version(owner, now: datetime | None = None) -> str:
    """An ETag for one person's feed: it changes when they register, cancel,
    move off the waiting list, stop being allowed to see an event, choose
    another language, or when one of their events changes. (No Last-Modified: a cancellation removes a
    row, which no date would show.)"""
    rows = sorted(personal_registrations(owner, now), key=lambda registration: registration.id)
    # A date of a series carries its series' SEQUENCE, which a change to another date raises.
    sequences = series_sequences([row.event for row in rows])
    stamp = f"{FORMAT_VERSION}:personal:{owner.id}:{owner.language}:{date.today()}:" + ";".join(
        f"{row.id},{row.status.value},{row.event.updated_at.isoformat()},{sequences.get(row.event.series_id, '')}"
        for row in rows)
    return hashlib.sha256(stamp.encode()).hexdigest()[:32]


def in_public_feeds(event: Event) -> bool:
    """What a public feed may say anything of, its cancellation included: a
    public event that is not a draft. A date of a series that is a draft or
    for members only (where and when a youth forum meets) is not named, not
    even as a date the series skips."""
    return event.audience == Audience.PUBLIC and event.status in FEED_STATUSES


def site_feed(brand: str) -> Feed:
    return Feed("all", brand, f"Public events from {brand}")


def kind_feed(brand: str, kind: EventKind) -> Feed:
    return Feed(f"kind:{kind.value}", f"{brand}: {kind.plural}", f"{kind.plural} from {brand}",
                Event.kind == kind)


def priority_feed(brand: str, priority: CohesionPriority) -> Feed:
    return Feed(f"priority:{priority.id}", f"{brand}: {priority.name}",
                f"Events from {brand} that serve {priority.name}", Event.priorities.contains(priority))


def forum_feed(forum_id: int, forum_name: str) -> Feed:
    """A forum's meetings that are open to the public (members-only meetings
    reach members through their own feed when they book)."""
    return Feed(f"forum:{forum_id}", f"{forum_name}: meetings", f"Public meetings of {forum_name}",
                Event.forum_id == forum_id)
