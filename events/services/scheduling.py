"""Scheduling an event: creating it (or every date of a repeating one),
changing it, publishing and hiding it, cancelling, postponing and
rescheduling it, and telling those registered what changed. The pictures
events show are stored here too, once per content.

Functions flush but never commit.
"""
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import BinaryIO

from blinker import Namespace
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.content_languages import lazily
from core import audit
from core.database import utcnow
from core.email import queue_email
from core.extensions import db
from core.i18n import _l
from core.accounts import safeguarding
from core.accounts.models import User
from core.accounts.services import normalise_email
from events import images, settlement
from events.models import (
    Audience, CohesionPriority, Event, EventImage, EventKind, EventSeries, EventStatus, HOLDS_PLACES, Registration,
    RegistrationStatus, Venue,
)
from events.recurrence import Recurrence, RecurrenceError, expand
from events.services.calendars import _calendar_attachment
from events.services.errors import CapacityBelowBooked, EndsBeforeStart, EventRuleBroken, NoPlaceGiven, StartsInThePast
from events.services.places import _lock, active_registration_count, places_held
from events.services.registration_links import registration_link
from events.services.waiting_list import promote_from_waiting_list


@dataclass
class EventDetails:
    """What an organiser enters about an event."""

    title: str
    summary: str
    kind: EventKind
    starts_at: datetime
    ends_at: datetime
    contact_email: str
    description: str = ""
    audience: Audience = Audience.PUBLIC
    venue_id: int | None = None
    online_url: str | None = None
    capacity: int | None = None
    max_tickets: int = 1
    reserved_places: int = 0
    registration_closes_at: datetime | None = None
    allow_guests: bool = True
    instant_guest_places: bool = False
    priority_ids: list[int] = field(default_factory=list)
    recurrence: Recurrence | None = None
    image_upload: BinaryIO | None = None  # a new picture, checked by events.images
    image_alt: str = ""
    remove_image: bool = False


def create_event(details: EventDetails, *, actor: User, now: datetime | None = None) -> Event:
    """Create a draft event, or every occurrence of a repeating one; returns the first."""
    now = now or utcnow()
    _check_details(details)
    if details.starts_at <= now:
        raise StartsInThePast("The start must be in the future")
    if details.recurrence is None:
        starts, series = [details.starts_at], None
    else:
        try:
            rule, starts = expand(details.recurrence, details.starts_at)
        except RecurrenceError as error:
            raise EventRuleBroken(str(error), field="repeat_until") from None
        series = EventSeries(rrule=rule)
        db.session.add(series)
    image = _chosen_image(details, None)
    length = details.ends_at - details.starts_at
    events = []
    for start in starts:
        event = Event(created_by_id=actor.id, organisers=[actor], series=series)
        _apply(event, details, image)
        event.starts_at, event.ends_at = start.astimezone(timezone.utc), (start + length).astimezone(timezone.utc)
        if series is not None:
            event.original_starts_at = event.starts_at
        if details.registration_closes_at:
            event.registration_closes_at = event.starts_at - (details.starts_at - details.registration_closes_at)
        db.session.add(event)
        events.append(event)
    db.session.flush()
    audit.record("event.created", actor=actor, subject=events[0],
                 details={"occurrences": len(events)} if series else None)
    return events[0]


def series_occurrences(event: Event) -> list[Event]:
    if event.series_id is None:
        return [event]
    return list(db.session.scalars(select(Event).where(Event.series_id == event.series_id)
                                   .order_by(Event.original_starts_at)))


@dataclass
class EventChange:
    """What saving an event changed that registered people are told about
    ("time", "place"), and the addresses that were told."""
    changes: list[str]
    told: set[str] = field(default_factory=set)


def update_event(event: Event, details: EventDetails, *, actor: User) -> EventChange:
    """Save changes; returns what changed that registered people are told
    about, and whom it emailed (nobody, when nobody is registered)."""
    if event.status == EventStatus.CANCELLED:  # everyone was told it is off: a change would tell them otherwise
        raise EventRuleBroken("This event has been cancelled, so it cannot be changed. Create a new event instead.")
    _check_details(details)
    image = _chosen_image(details, event.image)
    _lock(event)
    counted_by = _what_reports_count_by(event)
    if (details.starts_at, details.ends_at, details.kind, sorted(set(details.priority_ids))) != counted_by:
        # Reports file an event's figures by its dates, kind and priorities: a settled event's stay put,
        # and an event with figures cannot be moved back to dates that have settled already.
        settlement.refuse_status_change_if_settled(event)
        settlement.refuse_moving_into_settled_dates(event, details.ends_at, actor=actor)
    held = places_held(event)
    if details.capacity is not None and details.capacity < held:
        raise CapacityBelowBooked(
            f"{held} places are already booked or offered, so the capacity cannot be less than {held}. "
            "Cancel registrations first if you need fewer places."
        )
    if details.capacity is not None and details.reserved_places > details.capacity - held:
        raise EventRuleBroken(f"{held} places are booked or offered, so at most {details.capacity - held} can be "
                              "held back", field="reserved_places")
    freed = (details.capacity or 0) - details.reserved_places > (event.capacity or 0) - event.reserved_places
    shown = _what_calendars_show(event)
    changes = []
    if (details.starts_at, details.ends_at) != (event.starts_at, event.ends_at):
        changes.append("time")
    if (details.venue_id, details.online_url) != (event.venue_id, event.online_url):
        changes.append("place")
    _apply(event, details, image)
    # A postponed event given its new date is on again: published, and those registered hear the date.
    rescheduled = event.status == EventStatus.POSTPONED and "time" in changes
    if rescheduled:
        event.status = EventStatus.PUBLISHED
        audit.record("event.rescheduled", actor=actor, subject=event)
    if _what_calendars_show(event) != shown:
        event.sequence += 1  # a draft's too: a series' master and overrides are made from every date
    db.session.flush()
    told = set()
    if changes and event.is_visible:
        subject = (_l("New date: %(event)s", event=lazily(event, "title")) if rescheduled
                   else _l("Changed: %(event)s", event=lazily(event, "title")))
        told = _tell_everyone(event, "event_changed", subject, changes=changes)
        if rescheduled:  # whoever heard it was postponed hears its new date
            status_changed.send(event, subject=subject, reason="", told=told)
    if event.capacity is None or freed or rescheduled:
        promote_from_waiting_list(event)  # places freed while it was postponed, offered now it takes bookings
    audit.record("event.updated", actor=actor, subject=event, details={
        "changed": changes, **({"reported_as": {"before": _as_recorded(counted_by),
                                                "after": _as_recorded(_what_reports_count_by(event))}}
                               if _what_reports_count_by(event) != counted_by else {})})
    return EventChange(changes, told)


def _what_calendars_show(event: Event) -> tuple:
    """What an event's calendar entries say (events.ical), or decide which
    feeds list it: a change to any of it raises the SEQUENCE."""
    return (event.title, event.summary, event.description, event.starts_at, event.ends_at, event.venue_id,
            event.online_url, event.contact_email, event.status, event.audience)


def _what_reports_count_by(event: Event) -> tuple:
    return event.starts_at, event.ends_at, event.kind, sorted(priority.id for priority in event.priorities)


def _as_recorded(counted_by: tuple) -> dict:
    starts_at, ends_at, kind, priority_ids = counted_by
    return {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "kind": kind.value,
            "priority_ids": priority_ids}


def publish(event: Event, *, actor: User) -> None:
    if event.status == EventStatus.CANCELLED:
        raise EventRuleBroken("A cancelled event cannot be published again. Create a new event instead.")
    if event.status == EventStatus.POSTPONED:
        # Those registered were told it is postponed: only its new date (update_event) tells them it is on.
        raise EventRuleBroken("This event is postponed: give it its new date, which puts it back on and tells "
                              "everyone registered.")
    settlement.refuse_status_change_if_settled(event)
    event.status = EventStatus.PUBLISHED
    event.sequence += 1
    audit.record("event.published", actor=actor, subject=event)


def unpublish(event: Event, *, actor: User) -> None:
    # Counted under the event's lock, which booking takes too: a place booked
    # while this waited is counted, and none is booked on the draft after.
    _lock(event)
    if active_registration_count(event):
        raise EventRuleBroken(
            "People have registered for this event, so it cannot be hidden. Cancel or postpone it instead, "
            "so that they are told."
        )
    settlement.refuse_status_change_if_settled(event)
    event.status = EventStatus.DRAFT
    event.sequence += 1  # feeds drop it: a series' master gains an EXDATE
    audit.record("event.unpublished", actor=actor, subject=event)


# Sent when an event is cancelled or postponed, after everyone registered is
# emailed (`told`: their addresses), for whoever else told people of it: a
# forum emails its members when a meeting is scheduled (forums.meetings).
status_changed = Namespace().signal("event-status-changed")


def cancel_event(event: Event, *, actor: User, reason: str) -> None:
    _change_status(event, EventStatus.CANCELLED, actor=actor, reason=reason,
                   subject=_l("Cancelled: %(event)s", event=lazily(event, "title")))


def postpone_event(event: Event, *, actor: User, reason: str) -> None:
    _change_status(event, EventStatus.POSTPONED, actor=actor, reason=reason,
                   subject=_l("Postponed: %(event)s", event=lazily(event, "title")))


def _change_status(event, status, *, actor, reason, subject):
    if event.status == EventStatus.CANCELLED:
        raise EventRuleBroken("This event has already been cancelled.")
    settlement.refuse_status_change_if_settled(event)
    if status == EventStatus.POSTPONED and event.ends_at <= utcnow():
        raise EventRuleBroken("This event has ended, so it cannot be postponed. If it did not go ahead, cancel it.")
    event.status = status
    event.sequence += 1
    told = _tell_everyone(event, "event_status_changed", subject, reason=reason)
    status_changed.send(event, subject=subject, reason=reason, told=told)
    audit.record("event.cancelled" if status == EventStatus.CANCELLED else "event.postponed", actor=actor,
                 subject=event, details={"reason": reason})


def _check_details(details: EventDetails) -> None:
    if details.ends_at <= details.starts_at:
        raise EndsBeforeStart("The end must be after the start")
    if details.venue_id is None and not details.online_url:
        raise NoPlaceGiven("Choose a venue, give an online joining link, or both")
    if details.venue_id is not None and db.session.get(Venue, details.venue_id) is None:
        raise NoPlaceGiven("Choose a venue from the list")
    if details.reserved_places and (details.capacity is None or details.reserved_places > details.capacity):
        raise EventRuleBroken("You can only hold back places when the event has a number of places, and no more "
                              "than that number", field="reserved_places")
    if details.registration_closes_at and details.registration_closes_at > details.starts_at:
        raise EventRuleBroken("Registration must close before the event starts", field="closes_date")
    if not safeguarding.may_show_everyone(details.contact_email):
        # Vague on purpose: whose the address is (a young member's) is not the organiser's to learn here.
        raise EventRuleBroken("This address cannot be a public contact. Use your own, your organisation's or the "
                              "partnership's address.", field="contact_email")


def _chosen_image(details: EventDetails, current: EventImage | None) -> EventImage | None:
    """The event's picture after this change: a new upload (stored once per
    content), none if removed, otherwise the current one."""
    if details.image_upload is not None:
        prepared = images.prepare(details.image_upload)
        image = store_image(prepared)
    elif details.remove_image:
        image = None
    else:
        image = current
    if image is not None and not details.image_alt.strip():
        raise EventRuleBroken("Describe the picture for people who cannot see it", field="image_alt")
    return image


def store_image(prepared: images.PreparedImage) -> EventImage:
    """The stored copy of a prepared picture, saved once per content."""
    def existing():
        return db.session.scalar(select(EventImage).where(EventImage.digest == prepared.digest))
    image = existing()
    if image is not None:
        return image
    try:
        with db.session.begin_nested():  # the same picture uploaded at the same moment elsewhere
            image = EventImage(digest=prepared.digest, content=prepared.content, content_type=prepared.content_type,
                               width=prepared.width, height=prepared.height)
            db.session.add(image)
    except IntegrityError:
        image = existing()
    return image


def _apply(event: Event, details: EventDetails, image: EventImage | None) -> None:
    event.image = image
    event.image_alt = details.image_alt.strip() if image is not None else ""
    for name in ("title", "summary", "description", "kind", "audience", "starts_at", "ends_at", "venue_id",
                 "capacity", "max_tickets", "reserved_places", "registration_closes_at", "allow_guests",
                 "instant_guest_places"):
        setattr(event, name, getattr(details, name))
    event.online_url = details.online_url or None
    event.contact_email = normalise_email(details.contact_email)
    event.priorities = list(db.session.scalars(
        select(CohesionPriority).where(CohesionPriority.id.in_(details.priority_ids or [-1]))
    ))


def _tell_everyone(event: Event, template: str, subject, **context) -> set[str]:
    """Email everyone booked, offered or waiting, and return their addresses.
    Those booked were sent the event for their calendar, so they get it again:
    the changed entry (SEQUENCE raised by the change) or, if it is cancelled,
    its removal. Bookings imported from a spreadsheet are never emailed:
    nobody proved those addresses, nor asked to hear."""
    people = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.imported.is_(False),
        Registration.status.in_([*HOLDS_PLACES, RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING]),
    ))
    method = "CANCEL" if event.status == EventStatus.CANCELLED else "REQUEST"
    told = set()
    for registration in people:
        booked = registration.status == RegistrationStatus.CONFIRMED
        queue_email(to=registration.email, subject=subject, template=template, event=event,
                    registration=registration, link=registration_link(registration), calendar_attached=booked,
                    attachments=[_calendar_attachment(registration, method)] if booked else None,
                    reply_to=event.contact_email, language=registration.language, **context)
        told.add(registration.email)
    return told
