"""Event rules: scheduling, registration against capacity, the waiting list,
and check-in.

Every function that uses up or frees places locks the event first and counts
inside the same transaction: PostgreSQL locks the event row; SQLite needs the
caller's transaction to have begun under `core.database.write_lock()`.
Functions flush but never commit.
"""
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import BinaryIO

from blinker import Namespace
from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from core import audit
from core.database import in_london, lock_row, utcnow, write_lock
from core.email import queue_email
from core.errors import DomainError, InvalidLink
from core.extensions import db
from core.models import User
from core.services import (
    NOT_A_LINK, confirmed_account_with_email, email_confirmed, link_token, link_token_data, normalise_email,
)
from events import audiences, images, settlement
from events.feeds import series_sequences
from events.ical import event_calendar
from events.recurrence import Recurrence, RecurrenceError, expand
from events.models import (
    HOLDS_PLACES, Attendance, Audience, CalendarLink, CohesionPriority, Event, EventImage, EventInvitation, EventKind,
    EventQuestion, EventSeries, EventStatus,
    ProgrammeSession, QuestionKind, Registration, RegistrationAnswer, RegistrationStatus, SessionSignup, Venue,
)

REGISTRATION_LINK_MAX_AGE = 180 * 24 * 3600
_LINK_SALT = "registration"


class EventRuleBroken(DomainError):
    pass


class EndsBeforeStart(EventRuleBroken):
    field = "end_date"


class StartsInThePast(EventRuleBroken):
    field = "start_date"


class CapacityBelowBooked(EventRuleBroken):
    field = "capacity"


class NoPlaceGiven(EventRuleBroken):
    field = "venue_id"


class RegistrationClosed(EventRuleBroken):
    pass


class AlreadyRegistered(EventRuleBroken):
    field = "email"


class TooManyTickets(EventRuleBroken):
    field = "tickets"


class NotOpenToYou(EventRuleBroken):
    pass


class OfferExpired(EventRuleBroken):
    pass


class NotEnoughPlaces(EventRuleBroken):
    pass


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


# --- scheduling --------------------------------------------------------------

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


def update_event(event: Event, details: EventDetails, *, actor: User) -> list[str]:
    """Save changes; returns what changed that registered people are told about."""
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
    if changes and event.is_visible:
        subject = f"New date: {event.title}" if rescheduled else f"Changed: {event.title}"
        told = _tell_everyone(event, "event_changed", subject, changes=changes)
        if rescheduled:  # whoever heard it was postponed hears its new date
            status_changed.send(event, subject=subject, reason="", told=told)
    if event.capacity is None or freed or rescheduled:
        promote_from_waiting_list(event)  # places freed while it was postponed, offered now it takes bookings
    audit.record("event.updated", actor=actor, subject=event, details={
        "changed": changes, **({"reported_as": {"before": _as_recorded(counted_by),
                                                "after": _as_recorded(_what_reports_count_by(event))}}
                               if _what_reports_count_by(event) != counted_by else {})})
    return changes


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
    settlement.refuse_status_change_if_settled(event)
    event.status = EventStatus.PUBLISHED
    event.sequence += 1
    audit.record("event.published", actor=actor, subject=event)


def unpublish(event: Event, *, actor: User) -> None:
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
    _change_status(event, EventStatus.CANCELLED, actor=actor, reason=reason, subject=f"Cancelled: {event.title}")


def postpone_event(event: Event, *, actor: User, reason: str) -> None:
    _change_status(event, EventStatus.POSTPONED, actor=actor, reason=reason, subject=f"Postponed: {event.title}")


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
    audit.record(f"event.{status.value}", actor=actor, subject=event, details={"reason": reason})


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


def _tell_everyone(event: Event, template: str, subject: str, **context) -> set[str]:
    """Email everyone booked, offered or waiting, and return their addresses.
    Those booked were sent the event for their calendar, so they get it again:
    the changed entry (SEQUENCE raised by the change) or, if it is cancelled,
    its removal."""
    people = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id,
        Registration.status.in_([*HOLDS_PLACES, RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING]),
    ))
    method = "CANCEL" if event.status == EventStatus.CANCELLED else "REQUEST"
    told = set()
    for registration in people:
        booked = registration.status == RegistrationStatus.CONFIRMED
        queue_email(to=registration.email, subject=subject, template=template, event=event,
                    registration=registration, link=registration_link(registration), calendar_attached=booked,
                    attachments=[_calendar_attachment(registration, method)] if booked else None, **context)
        told.add(registration.email)
    return told


def _calendar_attachment(registration: Registration, method: str = "PUBLISH") -> dict:
    """The event as a calendar file for an email to this person: the same UID
    as every other calendar file and feed of it, so calendars update one entry."""
    event = registration.event
    calendar = event_calendar(event, url=url_for("events.event_page", event_id=event.id, _external=True),
                              domain=site_domain(), method=method,
                              attendee=registration.email if method != "PUBLISH" else None,
                              series_sequences=series_sequences([event]))
    return {"filename": f"event-{event.id}.ics",
            "content_type": "text/calendar" if method == "PUBLISH" else f"text/calendar; method={method}",
            "content": calendar.decode()}


PRIORITY_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def priority_by_slug(slug: str) -> CohesionPriority | None:
    """The priority a link names; anything not shaped like a slug names none
    (and never reaches the database, which may refuse such text)."""
    if not PRIORITY_SLUG.fullmatch(slug):
        return None
    return db.session.scalar(select(CohesionPriority).where(CohesionPriority.slug == slug))


def save_priority(priority: CohesionPriority | None, *, name: str, actor: User) -> CohesionPriority:
    """Add a cohesion priority or rename one; its slug (used in links and
    feeds) is fixed when it is created."""
    name = " ".join(name.split())
    clash = db.session.scalar(select(CohesionPriority).where(func.lower(CohesionPriority.name) == name.lower()))
    if clash is not None and clash is not priority:
        raise EventRuleBroken("There is already a priority with that name", field="name")
    if priority is None:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "priority"  # a PRIORITY_SLUG
        taken = set(db.session.scalars(select(CohesionPriority.slug).where(CohesionPriority.slug.like(f"{slug}%"))))
        base, n = slug, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        position = (db.session.scalar(select(func.max(CohesionPriority.position))) or 0) + 1
        priority = CohesionPriority(slug=slug, position=position, name=name)
        db.session.add(priority)
    priority.name = name
    db.session.flush()
    audit.record("priority.saved", actor=actor, subject=priority, details={"name": name})
    return priority


VENUE_FIELDS = ("name", "address", "postcode", "directions", "position", *Venue.FACILITIES)


def save_venue(venue: Venue | None, *, actor: User, **fields) -> Venue:
    """Create a venue, or update one; events that use it show the change."""
    if venue is None:
        venue = Venue()
        db.session.add(venue)
    place_before = (venue.name, venue.address, venue.postcode, venue.position)
    left_out = {"position": None, **dict.fromkeys(Venue.FACILITIES, False)}
    for name in VENUE_FIELDS:
        setattr(venue, name, fields.get(name, left_out.get(name, "")))
    venue.name, venue.address = venue.name.strip(), venue.address.strip()
    venue.postcode = venue.postcode.strip().upper()
    venue.directions = (venue.directions or "").strip()
    db.session.flush()
    if venue.id is not None and place_before != (venue.name, venue.address, venue.postcode, venue.position):
        # Calendars hold the venue's address in each event's LOCATION: tell them it changed.
        db.session.execute(update(Event).where(Event.venue_id == venue.id).values(
            sequence=Event.sequence + 1, updated_at=utcnow()))
    audit.record("venue.saved", actor=actor, subject=venue)
    return venue


# --- extra registration questions ------------------------------------------------------

MAX_OPTIONS = 20


def event_questions(event: Event) -> list[EventQuestion]:
    return list(db.session.scalars(select(EventQuestion).where(EventQuestion.event_id == event.id)
                                   .order_by(EventQuestion.position, EventQuestion.id)))


def add_question(event: Event, *, label: str, kind: QuestionKind, options: list[str], required: bool,
                 actor: User) -> EventQuestion:
    options = [option.strip() for option in options if option.strip()] if kind == QuestionKind.CHOICE else []
    if kind == QuestionKind.CHOICE:
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise EventRuleBroken(f"Give between 2 and {MAX_OPTIONS} answers to choose from, one a line",
                                  field="options")
        if len(set(o.lower() for o in options)) != len(options):
            raise EventRuleBroken("Each answer to choose from must be different", field="options")
        if any(len(option) > 100 for option in options):
            raise EventRuleBroken("Each answer to choose from must be 100 characters or fewer", field="options")
    position = len(event_questions(event))
    question = EventQuestion(event_id=event.id, label=" ".join(label.split()), kind=kind, options=options,
                             required=required, position=position)
    db.session.add(question)
    db.session.flush()
    audit.record("question.added", actor=actor, subject=question, details={"event": event.id})
    return question


def delete_question(question: EventQuestion, *, actor: User) -> None:
    audit.record("question.deleted", actor=actor, subject=question, details={"label": question.label})
    db.session.delete(question)
    db.session.flush()


def _answers_for(event: Event, answers: dict[int, str]) -> list[RegistrationAnswer]:
    """Check answers against the event's questions: required ones given,
    choices from the list. Returns the answers to store."""
    stored = []
    for question in event_questions(event):
        value = (answers.get(question.id) or "").strip()
        if not value:
            if question.required:
                raise EventRuleBroken(f"Answer the question: {question.label}", field=f"question_{question.id}")
            continue
        if question.kind != QuestionKind.TEXT and value not in question.choices:
            raise EventRuleBroken(f"Choose an answer from the list for: {question.label}",
                                  field=f"question_{question.id}")
        stored.append(RegistrationAnswer(question_id=question.id, value=value[:2000]))
    return stored


# --- places ---------------------------------------------------------------------

def _lock(event: Event) -> None:
    """Take the event's capacity lock for the rest of this transaction."""
    lock_row(db.session, Event, event.id)


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


def registrations_of(event: Event) -> list[Registration]:
    """Everyone who has registered, in the order they did."""
    return list(db.session.scalars(select(Registration).where(Registration.event_id == event.id)
                                   .order_by(Registration.created_at)))


def registration_for(event: Event, user) -> Registration | None:
    """The signed-in person's live registration for this event, if any: made
    signed in, or as a guest with the address the account has proven (as My
    events lists them)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.user_id == user.id,
        Registration.status != RegistrationStatus.CANCELLED).order_by(Registration.id).limit(1))


def standing(registration: Registration) -> RegistrationStatus:
    """What a registration amounts to now, as every page shows it: a place at
    an event (or a date of a series) that has been cancelled is cancelled too,
    whatever it was before. The row keeps its status, so the person's calendar
    feed still carries the event, marked cancelled."""
    if registration.event.status == EventStatus.CANCELLED:
        return RegistrationStatus.CANCELLED
    return registration.status


def walk_ins(event: Event) -> list[Attendance]:
    return list(db.session.scalars(select(Attendance).where(
        Attendance.event_id == event.id, Attendance.registration_id.is_(None)).order_by(Attendance.id)))


def booked(event: Event) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(Registration.name)))


def active_registration_count(event: Event) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status != RegistrationStatus.CANCELLED
    ))


def waiting_list(event: Event) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.waitlisted_at, Registration.id)
    ))


def waiting_list_position(registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == registration.event_id,
        Registration.status == RegistrationStatus.WAITLISTED,
        (Registration.waitlisted_at < registration.waitlisted_at)
        | ((Registration.waitlisted_at == registration.waitlisted_at) & (Registration.id < registration.id)),
    ))
    return ahead + 1


def registration_open(event: Event, now: datetime | None = None) -> bool:
    now = now or utcnow()
    closes = event.registration_closes_at or event.starts_at
    return event.status == EventStatus.PUBLISHED and now < closes


# --- registering -------------------------------------------------------------------

@dataclass
class EmailedTheAddress:
    """What a guest registering with an address that already has a place
    gets: that place, or its confirmation link again, by email, and the same
    "check your email" page a new guest sees. The page says nothing of the
    address, so typing someone's email tells a stranger nothing."""
    email: str


def register(event: Event, *, user: User | None = None, name: str = "", email: str = "", tickets: int = 1,
             access_needs: str = "", dietary_needs: str = "", contact_consent: bool = False,
             answers: dict[int, str] | None = None,
             invitation: EventInvitation | None = None) -> Registration | EmailedTheAddress:
    """Book places, or join the waiting list when there are not enough.
    An invitation lets its holder in whoever the event is for, and, as it
    came to their inbox, a guest's place needs no email confirmation. A guest
    whose address already has a registration here gets no second one: the
    address is emailed instead (EmailedTheAddress)."""
    now = utcnow()
    if not registration_open(event, now):
        raise RegistrationClosed("Registration for this event has closed")
    if invitation is not None:
        _check_invitation(invitation, event, user=user, email=email)
    elif user is None and not event.allow_guests:
        raise NotOpenToYou("Sign in or create an account to register for this event")
    elif event.audience == Audience.INVITATION:
        raise NotOpenToYou("This event is by invitation only. If you were invited, use the link in your invitation.")
    elif event.audience == Audience.FORUM_MEMBERS:
        _check_still_a_member(event, user)
    elif event.audience == Audience.MEMBERS and user is None:
        raise NotOpenToYou("This event is for people with an account. Sign in to register.")
    if not 1 <= tickets <= event.max_tickets:
        raise TooManyTickets(f"You can book between 1 and {event.max_tickets} places")
    checked_answers = _answers_for(event, answers or {})

    _lock(event)
    if event.audience == Audience.FORUM_MEMBERS and invitation is None:
        _check_still_a_member(event, user)  # again under the lock: a removal may have committed meanwhile
    now = utcnow()  # the queue follows the order in which people got the lock
    settlement.refuse_if_settled(event, now=now)  # closed long before, by registration_open: kept as the rule
    _expire_offers_for(event, now)
    if user is None:
        held = live_registration_for_address(event, email)
        if held is not None:
            return _tell_the_address_it_is_registered(held)
    registration = _fresh_registration(
        event, user=user, name=name, email=email, tickets=tickets, now=now, access_needs=access_needs,
        dietary_needs=dietary_needs, contact_consent=contact_consent, answers=checked_answers,
        already=("You have already registered for this event. Check your email for the link to view or cancel it."
                 if user is None else "You have already registered for this event. See it in My events."))
    if invitation is not None:
        invitation.registration = registration
    if user is None and invitation is None and not event.instant_guest_places:
        queue_email(to=registration.email, subject=f"Confirm your place: {event.title}",
                    template="registration_confirm_email", event=event, registration=registration,
                    link=registration_link(registration, "confirm"))
    else:
        _take_place_or_wait(registration, now)
    audit.record("registration.created", actor=user, subject=registration, details={"event": event.id})
    return registration


def live_registration_for_address(event: Event, email: str) -> Registration | None:
    """The live registration this email address already has for the event: a
    guest's with it, or the one of the account that has proven it. Call with
    the event locked."""
    email = normalise_email(email)
    account = confirmed_account_with_email(email)
    same_person = [func.lower(Registration.email) == email, Registration.person_key == f"guest:{email}"]
    if account is not None:
        same_person += [Registration.user_id == account.id, Registration.person_key == f"user:{account.id}"]
    return db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.status != RegistrationStatus.CANCELLED, or_(*same_person))
        .order_by(Registration.id).limit(1))


def _tell_the_address_it_is_registered(registration: Registration) -> EmailedTheAddress:
    event = registration.event
    if registration.status == RegistrationStatus.PENDING and registration.is_guest:
        # Most likely the guest lost the first email: send the link that confirms the place again.
        queue_email(to=registration.email, subject=f"Confirm your place: {event.title}",
                    template="registration_confirm_email", event=event, registration=registration,
                    link=registration_link(registration, "confirm"))
    else:
        queue_email(to=registration.email, subject=f"You have already registered: {event.title}",
                    template="registration_already_registered", event=event, registration=registration,
                    link=registration_link(registration))
    audit.record("registration.already_registered", actor=None, subject=registration, details={"event": event.id})
    return EmailedTheAddress(registration.email)


def _check_still_a_member(event: Event, user: User | None) -> None:
    if not audiences.is_forum_member(user, event.forum_id):
        raise NotOpenToYou("This meeting is for the forum's members. Sign in with the account you joined with.")


def _fresh_registration(event: Event, *, user: User | None, name: str, email: str, tickets: int, now: datetime,
                        already: str, access_needs: str = "", dietary_needs: str = "",
                        contact_consent: bool = False, answers=()) -> Registration:
    """A registration holding no place yet, for a person with none live on
    this event (reusing their cancelled one). Call with the event locked."""
    email = user.email if user else normalise_email(email)
    person_key = f"user:{user.id}" if user else f"guest:{email}"
    if user is not None and user.email_confirmed:
        _set_aside_unconfirmed_guest_booking(event, email, now)
    # One live booking per address, and per account, whatever key it was made under (an address an
    # account has not proven says nothing: anyone can type it).
    if ((user is None or user.email_confirmed) and live_registration_for_address(event, email) is not None) \
            or (user is not None and db.session.scalar(select(Registration.id).where(
                Registration.event_id == event.id, Registration.user_id == user.id,
                Registration.status != RegistrationStatus.CANCELLED))):
        raise AlreadyRegistered(already)
    registration = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.person_key == person_key
    ))
    if registration is None:
        registration = Registration(event=event, person_key=person_key)
        db.session.add(registration)
    registration.user_id = user.id if user else None
    registration.name = user.name if user else name.strip()
    registration.email = email
    registration.tickets = tickets
    registration.access_needs = access_needs.strip()
    registration.dietary_needs = dietary_needs.strip()
    registration.contact_consent = contact_consent
    registration.answers = list(answers)
    registration.created_at = now
    registration.cancelled_at = None
    registration.offer_expires_at = None
    registration.status = RegistrationStatus.PENDING  # holds no place until placed
    db.session.flush()
    return registration


def _set_aside_unconfirmed_guest_booking(event: Event, email: str, now: datetime) -> None:
    """Anyone can type an address as a guest: a booking under a member's
    proven address that nobody has confirmed from its inbox (it holds no
    place) gives way when the member books, rather than blocking them."""
    held = live_registration_for_address(event, email)
    if held is not None and held.user_id is None and held.status == RegistrationStatus.PENDING:
        held.status, held.cancelled_at = RegistrationStatus.CANCELLED, now
        audit.record("registration.set_aside", actor=None, subject=held, details={"event": event.id})
        db.session.flush()


def book_for(event: Event, *, name: str, email: str, tickets: int, from_held_back: bool, actor: User,
             access_needs: str = "", dietary_needs: str = "", now: datetime | None = None) -> Registration:
    """An organiser books a named person in: from the places held back (which
    shrinks them) or from the open places. Someone with an account gets the
    booking in their My events. Allowed after public registration closes,
    until the event ends."""
    now = now or utcnow()
    if event.status != EventStatus.PUBLISHED or event.ends_at <= now:
        raise RegistrationClosed("You can only book people into a published event that has not ended")
    if tickets < 1:
        raise TooManyTickets("Book 1 or more places", field="tickets")
    _lock(event)
    db.session.refresh(event)
    settlement.refuse_if_settled(event, now=now)
    if from_held_back and tickets > event.reserved_places:
        raise NotEnoughPlaces(f"Only {event.reserved_places} places are held back", field="tickets")
    if not from_held_back:
        left = places_left(event)
        if left is not None and tickets > left:
            raise NotEnoughPlaces(f"Only {left} open places are left. Book from the places held back, or add "
                                  "places to the event.", field="tickets")
    account = confirmed_account_with_email(email)
    registration = _fresh_registration(
        event, user=account, name=name, email=email, tickets=tickets, now=now, access_needs=access_needs,
        dietary_needs=dietary_needs, already=f"{email} is already registered for this event")
    # The name the organiser typed, even for an account: typing an address must not tell them whose it is.
    registration.name = name.strip()
    if from_held_back:
        event.reserved_places -= tickets
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = now
    db.session.flush()
    _send_booking_confirmation(registration)
    audit.record("registration.booked_by_organiser", actor=actor, subject=registration,
                 details={"event": event.id, "from_held_back": from_held_back, "tickets": tickets})
    return registration


@email_confirmed.connect
def claim_guest_registrations(user: User, **_) -> None:
    """Bookings made as a guest with this address become the account's when
    it proves the address is its own (core.services.email_confirmed). Their
    person key stays, so the links already emailed to the guest keep working."""
    claimed = db.session.scalars(select(Registration).where(
        func.lower(Registration.email) == user.email, Registration.user_id.is_(None))).all()
    for registration in claimed:
        registration.user_id = user.id
    if claimed:
        audit.record("registration.claimed", actor=user, subject=user, details={"registrations": len(claimed)})
    # After a change of address, what the events send about the account's own
    # bookings goes to the address it has just proven, not the one it left.
    db.session.execute(update(Registration).where(Registration.person_key == f"user:{user.id}")
                       .values(email=user.email), execution_options={"synchronize_session": "fetch"})
    db.session.flush()


def confirm_guest_email(registration: Registration) -> Registration:
    """The guest followed the emailed link: now their place counts. The
    status is read under the lock: a second press of Confirm that waited for
    the first one's lock finds the place already taken, and takes no other."""
    _lock(registration.event)
    db.session.refresh(registration)
    if registration.status != RegistrationStatus.PENDING:
        return registration
    settlement.refuse_if_settled(registration.event)
    if not registration_open(registration.event):
        raise RegistrationClosed("Registration for this event has closed")
    # The link went to the address: an account that has proven it too holds the place (My events shows it).
    account = confirmed_account_with_email(registration.email)
    if account is not None and registration.user_id is None:
        registration.user_id = account.id
    _take_place_or_wait(registration, utcnow())
    return registration


def _take_place_or_wait(registration: Registration, now: datetime) -> None:
    event = registration.event
    left = places_left(event)
    if left is None or left >= registration.tickets:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.waitlisted_at = None
        db.session.flush()
        _send_booking_confirmation(registration)
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlisted_at = now
        db.session.flush()
        queue_email(to=registration.email, subject=f"You're on the waiting list: {event.title}",
                    template="registration_waitlisted", event=event, registration=registration,
                    link=registration_link(registration))


def _send_booking_confirmation(registration: Registration) -> None:
    """The booking email, with the event as a calendar attachment."""
    event = registration.event
    queue_email(to=registration.email, subject=f"You're booked: {event.title}", template="registration_confirmed",
                event=event, registration=registration, link=registration_link(registration),
                choose_sessions=has_sessions_to_choose(event), attachments=[_calendar_attachment(registration)])


def cancellation_is_confirmed_by_email(registration: Registration, *, actor: User | None, by_its_holder: bool) -> bool:
    """A person who gives up their own place (signed in, or by the emailed
    link, which only they hold) hears that it worked. Nobody is emailed for a
    cancellation made by someone else (an organiser, a membership ending, an
    erasure), which tells them its own way."""
    return by_its_holder or (actor.id if actor is not None else None) == registration.user_id


def _confirm_cancellation(registration: Registration, *, was: RegistrationStatus, actor: User | None,
                          by_its_holder: bool) -> None:
    """Email the person who cancelled their own place; a booked place's
    calendar entry is removed."""
    if not cancellation_is_confirmed_by_email(registration, actor=actor, by_its_holder=by_its_holder):
        return
    event = registration.event
    queue_email(to=registration.email, subject=f"Cancelled: your place at {event.title}"
                if was != RegistrationStatus.WAITLISTED else f"You have left the waiting list: {event.title}",
                template="registration_cancelled", event=event, registration=registration, was=was.value,
                event_link=url_for("events.event_page", event_id=event.id, _external=True),
                attachments=[_calendar_attachment(registration, "CANCEL")]
                if was == RegistrationStatus.CONFIRMED else None)


def cancel_registration(registration: Registration, *, actor: User | None, by_its_holder: bool = False,
                        now: datetime | None = None) -> None:
    """Give up the place. `by_its_holder`: cancelled through the registration's
    emailed link, by the person it belongs to whoever is signed in."""
    if registration.status == RegistrationStatus.CANCELLED:
        return
    event = registration.event
    _lock(event)
    settlement.refuse_if_settled(event, now=now)
    db.session.refresh(registration)
    if registration.status == RegistrationStatus.CANCELLED:
        return  # someone else cancelled it while we waited for the lock
    held_places, was = registration.status in HOLDS_PLACES, registration.status
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now or utcnow()
    registration.offer_expires_at = None
    sessions_left = [signup.session_id for signup in _signups_of(registration) if not signup.waiting]
    db.session.execute(delete(SessionSignup).where(SessionSignup.registration_id == registration.id))
    db.session.flush()
    audit.record("registration.cancelled", actor=actor, subject=registration, details={"event": event.id})
    _confirm_cancellation(registration, was=was, actor=actor, by_its_holder=by_its_holder)
    _fill_sessions(event, sessions_left)
    if held_places:
        promote_from_waiting_list(event)


def promote_from_waiting_list(event: Event, now: datetime | None = None) -> list[Registration]:
    """Offer free places to the people waiting longest whose group fits.
    Call with the event locked."""
    now = now or utcnow()
    if not registration_open(event, now):
        return []
    free = places_left(event)
    offered = []
    for registration in waiting_list(event):
        if free is not None and registration.tickets > free:
            continue
        registration.status = RegistrationStatus.OFFERED
        deadline = now + timedelta(hours=event.offer_hours)
        registration.offer_expires_at = min(deadline, event.registration_closes_at or event.starts_at)
        if free is not None:
            free -= registration.tickets
        offered.append(registration)
        queue_email(to=registration.email, subject=f"A place is free: {event.title}", template="registration_offered",
                    event=event, registration=registration, link=registration_link(registration))
        if free == 0:
            break
    db.session.flush()
    return offered


def accept_offer(registration: Registration) -> None:
    _lock(registration.event)
    settlement.refuse_if_settled(registration.event)
    db.session.refresh(registration)
    if registration.status == RegistrationStatus.CONFIRMED:
        return
    if registration.event.status == EventStatus.CANCELLED:
        raise RegistrationClosed("This event has been cancelled, so there is no place to accept.")
    if registration.status != RegistrationStatus.OFFERED or registration.offer_expires_at <= utcnow():
        raise OfferExpired("Sorry, this offer has ended and the place has gone to the next person waiting.")
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = utcnow()
    registration.offer_expires_at = None
    _send_booking_confirmation(registration)


def _expire_offers_for(event: Event, now: datetime) -> int:
    expired = list(db.session.scalars(select(Registration).where(
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.OFFERED,
        Registration.offer_expires_at <= now,
    )))
    for registration in expired:
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        queue_email(to=registration.email, subject=f"Your offered place has passed on: {event.title}",
                    template="registration_offer_expired", event=event, registration=registration)
    db.session.flush()
    return len(expired)


def expire_offers(now: datetime | None = None) -> int:
    """Pass on places whose offers have run out. Safe to run from cron at any
    interval and on several hosts. Commits per event."""
    now = now or utcnow()
    event_ids = db.session.scalars(select(Registration.event_id).join(Registration.event).where(
        Registration.status == RegistrationStatus.OFFERED, Registration.offer_expires_at <= now,
        ~settlement.settled_clause(now),  # a settled event's records stay as they were
    ).distinct()).all()
    db.session.rollback()
    total = 0
    for event_id in event_ids:
        with write_lock():
            event = db.session.get(Event, event_id)
            _lock(event)
            total += _expire_offers_for(event, now)
            promote_from_waiting_list(event, now)
            db.session.commit()
    return total


# --- the programme: sessions within an event ------------------------------------------

class SessionClash(EventRuleBroken):
    pass


@dataclass
class SessionDetails:
    title: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    room: str = ""
    speakers: str = ""
    capacity: int | None = None


def save_session(event: Event, session: ProgrammeSession | None, details: SessionDetails, *,
                 actor: User) -> ProgrammeSession:
    if details.ends_at <= details.starts_at:
        raise EndsBeforeStart("The session must end after it starts", field="end_time")
    if details.starts_at < event.starts_at or details.ends_at > event.ends_at:
        raise EventRuleBroken(
            f"The session must be within the event: {in_london(event.starts_at):%-d %B %H:%M} to "
            f"{in_london(event.ends_at):%-d %B %H:%M}", field="start_date")
    _lock(event)
    if session is None:
        session = ProgrammeSession(event_id=event.id)
        db.session.add(session)
    elif details.capacity is not None:
        taken = session_signup_counts([session.id]).get(session.id, 0)
        if details.capacity < taken:
            raise CapacityBelowBooked(f"{taken} people have signed up, so the places cannot be fewer than {taken}")
    for name in ("title", "description", "starts_at", "ends_at", "room", "speakers", "capacity"):
        setattr(session, name, getattr(details, name))
    db.session.flush()
    _fill_sessions(event, [session.id])
    audit.record("session.saved", actor=actor, subject=session, details={"event": event.id})
    return session


def delete_session(session: ProgrammeSession, *, actor: User) -> int:
    """Take a session out of the programme; everyone who chose it or was
    waiting for it is emailed. Returns how many were. Under the event's
    lock, so nobody joins it unseen while it goes."""
    _lock(session.event)
    signups = db.session.scalars(select(SessionSignup).where(SessionSignup.session_id == session.id)).all()
    for signup in signups:
        queue_email(to=signup.registration.email, subject=f"Session cancelled: {session.title}",
                    template="session_cancelled", event=session.event, session=session, waiting=signup.waiting,
                    registration=signup.registration, link=registration_link(signup.registration))
    audit.record("session.deleted", actor=actor, subject=session, details={"title": session.title})
    db.session.delete(session)
    db.session.flush()
    return len(signups)


def programme(event: Event) -> list[ProgrammeSession]:
    return list(db.session.scalars(select(ProgrammeSession).where(ProgrammeSession.event_id == event.id)
                                   .order_by(ProgrammeSession.starts_at, ProgrammeSession.room)))


def has_sessions_to_choose(event: Event) -> bool:
    """Whether a person booked on the event has sessions to choose: every
    session in its programme can be chosen, with a place limit or without."""
    return db.session.scalar(select(ProgrammeSession.id).where(ProgrammeSession.event_id == event.id).limit(1)) \
        is not None


def session_signup_counts(session_ids, *, waiting: bool = False) -> dict[int, int]:
    """Places taken per session, or with `waiting` people in each session's
    waiting list, in one query."""
    rows = db.session.execute(select(SessionSignup.session_id, func.count()).where(
        SessionSignup.session_id.in_(list(session_ids) or [-1]), SessionSignup.waiting.is_(waiting))
        .group_by(SessionSignup.session_id))
    return dict(rows.all())


def sessions_chosen(registration: Registration) -> list[ProgrammeSession]:
    """The sessions this person has a place in."""
    return [signup.session for signup in _signups_of(registration) if not signup.waiting]


def session_queue_positions(registration: Registration) -> dict[int, int]:
    """For each session this person is waiting for, their place in its queue."""
    waiting_for = [signup.session_id for signup in _signups_of(registration) if signup.waiting]
    queues = db.session.scalars(select(SessionSignup).where(
        SessionSignup.session_id.in_(waiting_for or [-1]), SessionSignup.waiting.is_(True))
        .order_by(SessionSignup.created_at, SessionSignup.id))
    positions, counted = {}, {}
    for signup in queues:
        counted[signup.session_id] = counted.get(signup.session_id, 0) + 1
        if signup.registration_id == registration.id:
            positions[signup.session_id] = counted[signup.session_id]
    return positions


def _signups_of(registration: Registration) -> list[SessionSignup]:
    return list(db.session.scalars(select(SessionSignup).where(SessionSignup.registration_id == registration.id)))


def join_session(registration: Registration, session: ProgrammeSession) -> SessionSignup:
    """Take a place in the session, or join its waiting list when it is full.
    Waiting for a session that clashes with one already chosen is allowed: a
    place coming free moves the person across."""
    if session.event_id != registration.event_id:
        raise EventRuleBroken("That session is not part of this event")
    _lock(registration.event)  # one lock for the whole programme: moves between sessions cannot deadlock
    # Read under the lock: a cancellation that took it first has left this place cancelled, holding no session.
    db.session.refresh(registration)
    db.session.refresh(registration.event)
    if registration.event.status == EventStatus.CANCELLED:
        raise RegistrationClosed("This event has been cancelled")
    if registration.event.ends_at <= utcnow():
        raise RegistrationClosed("This event has ended")
    if registration.status != RegistrationStatus.CONFIRMED:
        raise EventRuleBroken("You can choose sessions once your place at the event is booked")
    signups = _signups_of(registration)
    if any(signup.session_id == session.id for signup in signups):
        raise EventRuleBroken("You are already signed up for this session, or waiting for it")
    full = session.capacity is not None and session_signup_counts([session.id]).get(session.id, 0) >= session.capacity
    if not full:
        for other in (signup.session for signup in signups if not signup.waiting):
            if other.overlaps(session):
                raise SessionClash(
                    f"{session.title} clashes with {other.title} "
                    f"({in_london(other.starts_at):%H:%M} to {in_london(other.ends_at):%H:%M}), which you have "
                    "chosen. Leave that session first if you would rather go to this one.")
    signup = SessionSignup(session_id=session.id, registration_id=registration.id, waiting=full, created_at=utcnow())
    db.session.add(signup)
    db.session.flush()
    return signup


def leave_session(registration: Registration, session: ProgrammeSession) -> None:
    """Give up a place (passing it to the first person waiting) or stop waiting."""
    _lock(registration.event)
    signup = db.session.scalar(select(SessionSignup).where(
        SessionSignup.session_id == session.id, SessionSignup.registration_id == registration.id))
    if signup is not None:
        db.session.delete(signup)
        db.session.flush()
        if not signup.waiting:
            _fill_sessions(registration.event, [session.id])


def _fill_sessions(event: Event, session_ids: list[int]) -> None:
    """Give free session places to the people waiting longest. Someone moved
    into a session leaves any session of theirs it clashes with, which frees
    that place in turn. Nobody is moved into a session of an event that is
    off or over (nor emailed that they have a place). Call with the event locked."""
    if event.status == EventStatus.CANCELLED or event.ends_at <= utcnow():
        return
    pending = list(session_ids)
    while pending:
        session = db.session.get(ProgrammeSession, pending.pop(0))
        if session is None:
            continue
        free = (None if session.capacity is None
                else session.capacity - session_signup_counts([session.id]).get(session.id, 0))
        queue = db.session.scalars(select(SessionSignup).where(
            SessionSignup.session_id == session.id, SessionSignup.waiting.is_(True))
            .order_by(SessionSignup.created_at, SessionSignup.id)).all()
        for signup in queue:
            if free is not None and free <= 0:
                break
            left = [other for other in _signups_of(signup.registration)
                    if not other.waiting and other.session.overlaps(session)]
            for other in left:
                db.session.delete(other)
                pending.append(other.session_id)
            signup.waiting = False
            db.session.flush()
            if free is not None:
                free -= 1
            queue_email(to=signup.registration.email, subject=f"You have a place: {session.title}",
                        template="session_place_free", event=event, session=session,
                        registration=signup.registration, left=[other.session for other in left],
                        link=registration_link(signup.registration))


# --- reminders -----------------------------------------------------------------------

def send_reminders(*, within: timedelta, now: datetime | None = None) -> int:
    """Queue a reminder for everyone booked on an event starting within
    `within`. Each registration is reminded once: safe to run repeatedly."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Registration).join(Registration.event).where(
            Event.status == EventStatus.PUBLISHED, Event.starts_at > now, Event.starts_at <= now + within,
            Registration.status == RegistrationStatus.CONFIRMED, Registration.reminded_at.is_(None),
        ).with_for_update(of=Registration, skip_locked=True)
    ).all()
    for registration in due:
        registration.reminded_at = now
        queue_email(to=registration.email, subject=f"Reminder: {registration.event.title}",
                    template="registration_reminder", event=registration.event, registration=registration,
                    link=registration_link(registration))
    db.session.flush()
    return len(due)


def site_domain() -> str:
    return current_app.config.get("SERVER_NAME") or "localhost"


# --- personal calendar links ------------------------------------------------------------

CALENDAR_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) makes


def calendar_link_for(user: User) -> CalendarLink | None:
    return db.session.scalar(select(CalendarLink).where(CalendarLink.user_id == user.id))


def renew_calendar_link(user: User, *, actor: User) -> CalendarLink:
    """Give the person a new private feed address; any old one stops working."""
    lock_row(db.session, User, user.id)  # a double click must not make two
    db.session.execute(delete(CalendarLink).where(CalendarLink.user_id == user.id))
    link = CalendarLink(user_id=user.id, token=secrets.token_urlsafe(32))
    db.session.add(link)
    db.session.flush()
    audit.record("calendar_link.renewed", actor=actor, subject=user)
    return link


def stop_calendar_link(user: User, *, actor: User) -> None:
    lock_row(db.session, User, user.id)
    db.session.execute(delete(CalendarLink).where(CalendarLink.user_id == user.id))
    audit.record("calendar_link.stopped", actor=actor, subject=user)


def calendar_link_owner(token: str) -> User | None:
    """Whose feed this address is, or None for an unknown or retired one."""
    if not CALENDAR_TOKEN.fullmatch(token):
        return None
    link = db.session.scalar(select(CalendarLink).where(CalendarLink.token == token))
    # An account whose address is not proven is nobody's yet: its feed is nobody's either.
    return link.user if link and link.user.email_confirmed else None


# --- invitations -----------------------------------------------------------------------

_INVITATION_SALT = "event-invitation"


@dataclass
class InvitationResult:
    invited: list[EventInvitation]
    already_invited: list[str]


def invite(event: Event, people: list[tuple[str, str]], *, actor: User) -> InvitationResult:
    """Invite (name, email) pairs, emailing each a link to register. People
    invited before are not emailed again."""
    if event.status == EventStatus.CANCELLED or event.ends_at <= utcnow():
        raise EventRuleBroken("You cannot invite people to an event that is cancelled or over")
    _lock(event)  # a double-clicked send finds the first one's invitations, not a duplicate
    existing = set(db.session.scalars(select(EventInvitation.email).where(EventInvitation.event_id == event.id)))
    result = InvitationResult([], [])
    for name, email in people:
        email = normalise_email(email)
        if email in existing:
            result.already_invited.append(email)
            continue
        existing.add(email)
        invitation = EventInvitation(event_id=event.id, email=email, name=name.strip(), invited_by_id=actor.id)
        db.session.add(invitation)
        db.session.flush()
        queue_email(to=email, subject=f"You're invited: {event.title}", template="event_invitation",
                    event=event, invitation=invitation, inviter=actor, link=invitation_link(invitation))
        result.invited.append(invitation)
    audit.record("event.invited", actor=actor, subject=event, details={"invited": len(result.invited)})
    return result


def invitations_of(event: Event) -> list[EventInvitation]:
    return list(db.session.scalars(select(EventInvitation).where(EventInvitation.event_id == event.id)
                                   .order_by(EventInvitation.created_at, EventInvitation.id)))


def invitation_link(invitation: EventInvitation) -> str:
    """Invitation links carry no time: they work while the event takes registrations."""
    token = link_token(_INVITATION_SALT, {"invitation": invitation.id, "email": invitation.email})
    return url_for("events.register", event_id=invitation.event_id, invitation=token, _external=True)


def invitation_for_token(token: str, event: Event) -> EventInvitation:
    problem = "This invitation link is not valid. Check you copied the whole link from the email."
    data = link_token_data(_INVITATION_SALT, token, invalid=problem)
    invitation = db.session.get(EventInvitation, data.get("invitation")) if isinstance(data, dict) else None
    if invitation is None or invitation.event_id != event.id or invitation.email != data.get("email"):
        raise InvalidLink(problem)
    return invitation


def _check_invitation(invitation: EventInvitation, event: Event, *, user: User | None, email: str) -> None:
    if invitation.event_id != event.id:
        raise NotOpenToYou("This invitation is for another event")
    if invitation.is_used:
        raise AlreadyRegistered("This invitation has already been used to register. Check your email for the "
                                "link to view or cancel that registration.")
    if user is None and normalise_email(email) != invitation.email:
        raise NotOpenToYou("Use the email address your invitation was sent to", field="email")


# --- links in emails ---------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_LINK_SALT)


def registration_token(registration: Registration) -> str:
    return _serializer().dumps({"registration": registration.id, "person": registration.person_key})


def registration_link(registration: Registration, action: str = "view") -> str:
    endpoint = "events.confirm_guest" if action == "confirm" else "events.registration"
    return url_for(endpoint, token=registration_token(registration), _external=True)


def registration_for_token(token: str) -> Registration:
    try:
        data = _serializer().loads(token, max_age=REGISTRATION_LINK_MAX_AGE)
    except SignatureExpired:
        raise InvalidLink("This link has expired. Contact the organiser if you need help.") from None
    except BadSignature:
        raise InvalidLink(NOT_A_LINK) from None
    registration = db.session.get(Registration, data.get("registration")) if isinstance(data, dict) else None
    if registration is None or registration.person_key != data.get("person"):
        raise InvalidLink(NOT_A_LINK)
    return registration


# --- on the day ----------------------------------------------------------------------

def _refuse_if_cancelled(event: Event) -> None:
    """Nobody is counted at an event that did not go ahead. (What was counted
    before it was cancelled can still be undone or removed.)"""
    if event.status == EventStatus.CANCELLED:
        raise EventRuleBroken("This event has been cancelled, so no one can be checked in or added as a walk-in")


def check_in(registration: Registration, *, actor: User, now: datetime | None = None) -> Attendance:
    _lock(registration.event)  # settlement is checked under it: a reopening may end meanwhile
    settlement.refuse_if_settled(registration.event, now=now)
    _refuse_if_cancelled(registration.event)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise EventRuleBroken(f"{registration.name} is not booked: {registration.status.label.lower()}")
    if registration.attendance is not None:
        return registration.attendance
    attendance = Attendance(event_id=registration.event_id, registration=registration, checked_in_at=now or utcnow(),
                            people=registration.tickets, checked_in_by_id=actor.id)
    db.session.add(attendance)
    db.session.flush()
    return attendance


def undo_check_in(registration: Registration, *, actor: User, now: datetime | None = None) -> None:
    _lock(registration.event)
    settlement.refuse_if_settled(registration.event, now=now)
    if registration.attendance is not None:
        db.session.delete(registration.attendance)
        db.session.flush()
        audit.record("attendance.undone", actor=actor, subject=registration)


def add_walk_in(event: Event, *, name: str, people: int, actor: User, now: datetime | None = None) -> Attendance:
    """Someone came without booking. They are let in even when the room is
    full: that is the organiser's call on the day."""
    _lock(event)
    settlement.refuse_if_settled(event, now=now)
    _refuse_if_cancelled(event)
    attendance = Attendance(event_id=event.id, walk_in_name=name.strip(), people=people, checked_in_by_id=actor.id,
                            checked_in_at=now or utcnow())
    db.session.add(attendance)
    db.session.flush()
    audit.record("attendance.walk_in_added", actor=actor, subject=attendance,
                 details={"event": event.id, "people": people})  # the number, not the name: as change_walk_in
    return attendance


def change_walk_in(walk_in: Attendance, *, name: str, people: int, actor: User,
                   now: datetime | None = None) -> Attendance:
    """Put right a walk-in typed wrong on the day: their name, or how many came.
    The audit entry keeps the numbers, not the names: walk-in names are
    removed after the registrations' retention period, the audit log later."""
    event = _walk_ins_event(walk_in, now=now)
    _refuse_if_cancelled(event)
    before = walk_in.people
    renamed = walk_in.walk_in_name != name.strip()
    walk_in.walk_in_name, walk_in.people = name.strip(), people
    db.session.flush()
    audit.record("attendance.walk_in_changed", actor=actor, subject=walk_in,
                 details={"event": event.id, "people": [before, people], "renamed": renamed})
    return walk_in


def remove_walk_in(walk_in: Attendance, *, actor: User, now: datetime | None = None) -> None:
    """Take out a walk-in added by mistake (twice, or at the wrong event)."""
    event = _walk_ins_event(walk_in, now=now)
    audit.record("attendance.walk_in_removed", actor=actor, subject=walk_in,
                 details={"event": event.id, "people": walk_in.people})
    db.session.delete(walk_in)
    db.session.flush()


def _walk_ins_event(walk_in: Attendance, *, now: datetime | None = None) -> Event:
    """Lock the walk-in's event and check it may still change: not settled,
    and the walk-in still there (another organiser may have removed it
    while this request waited for the lock)."""
    if walk_in.registration_id is not None:
        raise EventRuleBroken(f"{walk_in.name} booked a place: undo their check-in instead")
    event = db.session.get(Event, walk_in.event_id)
    _lock(event)
    settlement.refuse_if_settled(event, now=now)
    # Read afresh under the lock: what was read before it may have changed or gone meanwhile.
    if db.session.scalar(select(Attendance).where(Attendance.id == walk_in.id)
                         .execution_options(populate_existing=True)) is None:
        raise EventRuleBroken(f"{walk_in.walk_in_name} has already been removed from the walk-ins")
    return event


@dataclass
class AttendanceCounts:
    registered: int
    attended: int
    no_shows: int
    walk_ins: int


def attendance_counts(event: Event) -> AttendanceCounts:
    booked = db.session.scalar(select(func.coalesce(func.sum(Registration.tickets), 0)).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED))
    attended = db.session.scalar(select(func.coalesce(func.sum(Attendance.people), 0)).where(
        Attendance.event_id == event.id, Attendance.registration_id.is_not(None)))
    walk_ins = db.session.scalar(select(func.coalesce(func.sum(Attendance.people), 0)).where(
        Attendance.event_id == event.id, Attendance.registration_id.is_(None)))
    return AttendanceCounts(registered=booked, attended=attended + walk_ins,
                            no_shows=max(booked - attended, 0), walk_ins=walk_ins)
