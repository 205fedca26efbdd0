"""Changing dates of a repeating series together: this date, this and the
following dates, or all dates, as Google Calendar and Outlook ask.

Each date the change reaches goes through the one-date services
(`update_event`, `publish`, `unpublish`), so its own rules hold and its own
people are told as for any event (emails with the updated calendar entry),
all in the caller's one transaction: a rule one date breaks stops the whole
change, naming the date. Dates the change cannot sensibly reach are left as
they were and listed with the reason: cancelled dates stay cancelled, a
postponed date waits for its own new date, and a date that has taken place
keeps its record (one whose attendance is settled says so).

Only what the organiser changed on the date they edited reaches the others;
everything else each date keeps. A new time moves every date by the same
amount of UK clock time from where it is now: a date still where the rule
put it moves by that amount from its original start, and a date moved on
its own keeps its own day and moves by the same amount.
"""
import enum
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from core import audit
from core.database import LONDON, in_london, utcnow
from core.errors import DomainError
from core.formatting import format_day_date
from core.accounts.models import User
from events import permissions, settlement
from events.services.errors import EventRuleBroken
from events.services.places import active_registration_count
from events.services.scheduling import EventDetails, publish, series_occurrences, unpublish, update_event
from events.models import Event, EventStatus


class SeriesScope(enum.Enum):
    THIS = "this"
    FOLLOWING = "following"
    ALL = "all"


@dataclass
class LeftAlone:
    event: Event
    reason: str

    def __str__(self) -> str:
        return f"{format_day_date(self.event.starts_at)} ({self.reason})"


@dataclass
class SeriesChange:
    """What a change to several dates did: the dates changed, those left as
    they were (with why), and the addresses emailed about it."""
    changed: list[Event] = field(default_factory=list)
    left_alone: list[LeftAlone] = field(default_factory=list)
    told: set[str] = field(default_factory=set)


def dates_in_scope(event: Event, scope: SeriesScope) -> list[Event]:
    """The dates a change to `event` with this scope reaches, `event` first."""
    if event.series_id is None or scope == SeriesScope.THIS:
        return [event]
    others = [other for other in series_occurrences(event) if other.id != event.id
              and (scope == SeriesScope.ALL or other.original_starts_at > event.original_starts_at)]
    return [event, *others]


def _why_left_alone(event: Event, now: datetime, actor: User) -> str | None:
    if not permissions.can_manage_event(actor, event):  # a date may be run by others
        return "you do not run this date"
    if event.status == EventStatus.CANCELLED:
        return "cancelled, so it stays cancelled"
    if settlement.is_settled(event, now):
        return f"attendance was settled on {settlement.settled_on(event)}"
    if event.ends_at <= now:
        return "it has already taken place"
    if event.status == EventStatus.POSTPONED:
        return "postponed: give it its new date on its own"
    return None


# Fields an organiser edits that are copied as they are to each date when changed.
_COPIED = ("title", "summary", "description", "kind", "audience", "venue_id", "online_url", "contact_email",
           "capacity", "max_tickets", "reserved_places", "allow_guests", "instant_guest_places")


def _details_of(event: Event) -> EventDetails:
    """The event as it is, in the shape the form gives."""
    return EventDetails(
        title=event.title, summary=event.summary, description=event.description, kind=event.kind,
        audience=event.audience, starts_at=event.starts_at, ends_at=event.ends_at, venue_id=event.venue_id,
        online_url=event.online_url, contact_email=event.contact_email, capacity=event.capacity,
        max_tickets=event.max_tickets, reserved_places=event.reserved_places,
        registration_closes_at=event.registration_closes_at, allow_guests=event.allow_guests,
        instant_guest_places=event.instant_guest_places, priority_ids=[p.id for p in event.priorities],
        image_alt=event.image_alt)


def _wall_clock(moment: datetime) -> datetime:
    return in_london(moment).replace(tzinfo=None)


def _from_wall_clock(local: datetime) -> datetime:
    return local.replace(tzinfo=LONDON).astimezone(timezone.utc)


def update_series(event: Event, details: EventDetails, scope: SeriesScope, *, actor: User,
                  now: datetime | None = None) -> SeriesChange:
    """Save the organiser's changes to `event` and, by `scope`, to other
    dates of its series (see the module's docstring)."""
    now = now or utcnow()
    before = _details_of(event)
    image_before = event.image
    result = SeriesChange(changed=[event], told=set(update_event(event, details, actor=actor).told))
    others = dates_in_scope(event, scope)[1:]
    if not others:
        return result
    copied = {name: getattr(details, name) for name in _COPIED if getattr(details, name) != getattr(before, name)}
    if sorted(set(details.priority_ids)) != sorted(before.priority_ids):
        copied["priority_ids"] = list(details.priority_ids)
    if details.image_alt.strip() != before.image_alt:
        copied["image_alt"] = details.image_alt.strip()
    shift = _wall_clock(details.starts_at) - _wall_clock(before.starts_at)
    length = details.ends_at - details.starts_at
    new_length = length != before.ends_at - before.starts_at
    closes_changed = details.registration_closes_at != before.registration_closes_at
    closes_before_start = (details.starts_at - details.registration_closes_at
                           if details.registration_closes_at else None)
    for other in others:
        reason = _why_left_alone(other, now, actor)
        if reason:
            result.left_alone.append(LeftAlone(other, reason))
            continue
        starts_at = _from_wall_clock(_wall_clock(other.starts_at) + shift)
        ends_at = starts_at + (length if new_length else other.ends_at - other.starts_at)
        if closes_changed:
            closes = starts_at - closes_before_start if closes_before_start is not None else None
        else:
            closes = other.registration_closes_at and other.registration_closes_at + (starts_at - other.starts_at)
        wanted = replace(_details_of(other), **copied, starts_at=starts_at, ends_at=ends_at,
                         registration_closes_at=closes)
        try:
            change = update_event(other, wanted, actor=actor)
        except DomainError as error:
            raise EventRuleBroken(f"{format_day_date(other.starts_at)}: {error.message}",
                                  field=error.field) from None
        if event.image is not image_before:
            other.image, other.image_alt = event.image, event.image_alt
        result.changed.append(other)
        result.told |= change.told
    audit.record("series.updated", actor=actor, subject=event, details=_details(result, scope))
    return result


def publish_series(event: Event, scope: SeriesScope, *, actor: User, now: datetime | None = None) -> SeriesChange:
    """Publish `event` and, by `scope`, the other dates of its series that are drafts."""
    now = now or utcnow()
    publish(event, actor=actor)
    result = SeriesChange(changed=[event])
    for other in dates_in_scope(event, scope)[1:]:
        if other.status != EventStatus.DRAFT:
            continue  # published already, or cancelled or postponed: publishing is not what it needs
        reason = _why_left_alone(other, now, actor)
        if reason:
            result.left_alone.append(LeftAlone(other, reason))
            continue
        publish(other, actor=actor)
        result.changed.append(other)
    audit.record("series.published", actor=actor, subject=event, details=_details(result, scope))
    return result


def unpublish_series(event: Event, scope: SeriesScope, *, actor: User, now: datetime | None = None) -> SeriesChange:
    """Hide `event` again as a draft and, by `scope`, the other published
    dates of its series that nobody has registered for."""
    now = now or utcnow()
    unpublish(event, actor=actor)
    result = SeriesChange(changed=[event])
    for other in dates_in_scope(event, scope)[1:]:
        if other.status != EventStatus.PUBLISHED:
            continue
        reason = _why_left_alone(other, now, actor) or (
            "people have registered: cancel or postpone it instead, so that they are told"
            if active_registration_count(other) else None)
        if reason:
            result.left_alone.append(LeftAlone(other, reason))
            continue
        unpublish(other, actor=actor)
        result.changed.append(other)
    audit.record("series.unpublished", actor=actor, subject=event, details=_details(result, scope))
    return result


def _details(result: SeriesChange, scope: SeriesScope) -> dict:
    """A series change's audit details: which dates changed and which were left alone, and why."""
    return {"scope": scope.value, "changed": [e.id for e in result.changed],
            "left_alone": {str(left.event.id): left.reason for left in result.left_alone}}


def left_alone_message(result: SeriesChange) -> str:
    """The dates a change did not reach, and why, for the organiser."""
    left = "; ".join(str(left) for left in result.left_alone)
    return f"Left as they were: {left}." if left else ""
