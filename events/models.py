"""Events, venues, cohesion priorities, registrations and attendance."""
import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import (
    JSON, BigInteger, Boolean, CheckConstraint, Column, Enum, ForeignKey, Index, Integer, LargeBinary, String, Table, Text,
    UniqueConstraint, case, cast, false, literal, true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import http_cache
from core.content_languages import VersionColumns
from core.database import utcnow
from core.extensions import db
from core.i18n import _, _l
from core.models import EMAIL_MAX_LENGTH, enum_values
from core.accounts.models import NAME_MAX_LENGTH, User
from core.partners.models import PartnerOrganisation


class EventKind(enum.Enum):
    STANDING_CONFERENCE = "standing_conference"
    FORUM_MEETING = "forum_meeting"
    WORKSHOP = "workshop"
    COMMUNITY_EVENT = "community_event"
    AWARDS_CEREMONY = "awards_ceremony"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def plural(self) -> str:
        return _KIND_PLURALS[self]


_KIND_LABELS = {
    EventKind.STANDING_CONFERENCE: _l("Standing conference"),
    EventKind.FORUM_MEETING: _l("Forum meeting"),
    EventKind.WORKSHOP: _l("Workshop"),
    EventKind.COMMUNITY_EVENT: _l("Community event"),
    EventKind.AWARDS_CEREMONY: _l("Awards ceremony"),
    EventKind.OTHER: _l("Other"),
}
_KIND_PLURALS = {
    EventKind.STANDING_CONFERENCE: _l("Standing conferences"),
    EventKind.FORUM_MEETING: _l("Forum meetings"),
    EventKind.WORKSHOP: _l("Workshops"),
    EventKind.COMMUNITY_EVENT: _l("Community events"),
    EventKind.AWARDS_CEREMONY: _l("Awards ceremonies"),
    EventKind.OTHER: _l("Other events"),
}


class EventStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {EventStatus.DRAFT: _l("Draft"), EventStatus.PUBLISHED: _l("Published"),
                EventStatus.POSTPONED: _l("Postponed"), EventStatus.CANCELLED: _l("Cancelled")}[self]

    @property
    def tag(self) -> str:
        """The GOV.UK tag colour it is shown in (templates/_macros/status.html)."""
        return {EventStatus.DRAFT: "govuk-tag--grey", EventStatus.PUBLISHED: "govuk-tag--green",
                EventStatus.POSTPONED: "govuk-tag--red", EventStatus.CANCELLED: "govuk-tag--red"}[self]


class Audience(enum.Enum):
    PUBLIC = "public"
    MEMBERS = "members"
    INVITATION = "invitation"
    # A forum's meeting for its active members only (Event.forum_id says which).
    FORUM_MEMBERS = "forum_members"

    @property
    def label(self) -> str:
        return {
            Audience.PUBLIC: _l("Anyone"),
            Audience.MEMBERS: _l("People with an account"),
            Audience.INVITATION: _l("Invited people only"),
            Audience.FORUM_MEMBERS: _l("Members of a forum"),
        }[self]


class RegistrationStatus(enum.Enum):
    PENDING = "pending"          # a guest who has not yet confirmed their email
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"          # promoted from the waiting list, must confirm by a deadline
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            RegistrationStatus.PENDING: _l("Waiting for email confirmation"),
            RegistrationStatus.CONFIRMED: _l("Booked"),
            RegistrationStatus.WAITLISTED: _l("On the waiting list"),
            RegistrationStatus.OFFERED: _l("Place offered"),
            RegistrationStatus.CANCELLED: _l("Cancelled"),
        }[self]

    @property
    def tag(self) -> str:
        """The GOV.UK tag colour it is shown in (templates/_macros/status.html):
        yellow while the person still waits for something."""
        return {RegistrationStatus.CONFIRMED: "govuk-tag--green",
                RegistrationStatus.CANCELLED: "govuk-tag--red"}.get(self, "govuk-tag--yellow")


# Statuses that hold places against capacity.
HOLDS_PLACES = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)


class Arrival(enum.Enum):
    """Where a booked person stands on the day, as the check-in page shows
    it (events.services.check_in.arrival). NOT_YET has no tag: the button
    that checks them in stands in its place."""
    NOT_YET = "not_yet"
    HERE = "here"
    DID_NOT_COME = "did_not_come"  # attendance settled without them
    CANCELLED = "cancelled"  # the event was cancelled before they were checked in

    @property
    def label(self) -> str:
        return {Arrival.NOT_YET: "Not yet", Arrival.HERE: "Here", Arrival.DID_NOT_COME: "Did not come",
                Arrival.CANCELLED: "Cancelled with the event"}[self]

    @property
    def tag(self) -> str | None:
        """The GOV.UK tag colour it is shown in (templates/_macros/status.html)."""
        return {Arrival.HERE: "govuk-tag--green", Arrival.DID_NOT_COME: "govuk-tag--grey",
                Arrival.CANCELLED: "govuk-tag--red"}.get(self)


event_priorities = Table(
    "event_priorities",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("priority_id", ForeignKey("cohesion_priorities.id", ondelete="CASCADE"), primary_key=True),
)

event_organisers = Table(
    "event_organisers",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

# Partner organisations that co-host an event (events/services/co_hosts.py). A partner an event
# names cannot be deleted (RESTRICT): the link is the record of its work with the partnership.
event_co_hosts = Table(
    "event_co_hosts",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", ForeignKey("partner_organisations.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class CohesionPriority(db.Model):
    """One of the county cohesion strategy's priorities that events serve."""

    __tablename__ = "cohesion_priorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class Venue(db.Model):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    address: Mapped[str] = mapped_column(String(500))
    postcode: Mapped[str] = mapped_column(String(10))
    directions: Mapped[str] = mapped_column(Text, default="")
    step_free: Mapped[bool] = mapped_column(default=False)
    hearing_loop: Mapped[bool] = mapped_column(default=False)
    accessible_toilet: Mapped[bool] = mapped_column(default=False)
    parking: Mapped[bool] = mapped_column(default=False)
    quiet_room: Mapped[bool] = mapped_column(default=False)
    baby_changing: Mapped[bool] = mapped_column(default=False)
    # Where it is on a map (WGS 84), when the organiser has given it: calendars show it as GEO.
    latitude: Mapped[Optional[float]]
    longitude: Mapped[Optional[float]]

    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="position_whole"),
    )

    FACILITIES = {
        "step_free": _l("Step-free access"),
        "hearing_loop": _l("Hearing loop"),
        "accessible_toilet": _l("Accessible toilet"),
        "parking": _l("Parking"),
        "quiet_room": _l("Prayer or quiet room"),
        "baby_changing": _l("Baby changing"),
    }

    @property
    def facilities(self) -> list[str]:
        return [label for attribute, label in self.FACILITIES.items() if getattr(self, attribute)]

    @property
    def position(self) -> tuple[float, float] | None:
        return None if self.latitude is None else (self.latitude, self.longitude)

    @position.setter
    def position(self, value: tuple[float, float] | None) -> None:
        self.latitude, self.longitude = value if value else (None, None)


class EventSeries(db.Model):
    """Events that repeat by one rule. Each occurrence is its own Event, so it
    can be booked, moved or cancelled without touching the others."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    # RFC 5545 RRULE, expanded in UK wall-clock time from the first occurrence.
    rrule: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventImage(db.Model):
    """A picture for event pages, re-encoded on upload (events.images).
    Stored once per content, so a repeating series shares one copy."""

    __tablename__ = "event_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[EventKind] = mapped_column(Enum(EventKind, name="event_kind", values_callable=enum_values))
    status: Mapped[EventStatus] = mapped_column(
        Enum(EventStatus, name="event_status", values_callable=enum_values), default=EventStatus.DRAFT
    )
    audience: Mapped[Audience] = mapped_column(
        Enum(Audience, name="event_audience", values_callable=enum_values), default=Audience.PUBLIC
    )
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    venue_id: Mapped[Optional[int]] = mapped_column(ForeignKey("venues.id", ondelete="RESTRICT"), index=True)
    online_url: Mapped[Optional[str]] = mapped_column(String(500))
    contact_email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    # None means no limit on places.
    capacity: Mapped[Optional[int]]
    max_tickets: Mapped[int] = mapped_column(default=1)
    # Places held back from public booking (for example for a forum's members).
    reserved_places: Mapped[int] = mapped_column(default=0, server_default="0")
    registration_closes_at: Mapped[Optional[datetime]]
    allow_guests: Mapped[bool] = mapped_column(Boolean, default=True)
    # When False, a guest's place counts only once they confirm their email.
    instant_guest_places: Mapped[bool] = mapped_column(Boolean, default=False)
    offer_hours: Mapped[int] = mapped_column(default=48)
    # Increases on every change people must hear about (time, place, status).
    sequence: Mapped[int] = mapped_column(default=0)
    series_id: Mapped[Optional[int]] = mapped_column(ForeignKey("event_series.id", ondelete="SET NULL"), index=True)
    # Where the series rule put this occurrence, even after it is moved (RECURRENCE-ID).
    original_starts_at: Mapped[Optional[datetime]]
    image_id: Mapped[Optional[int]] = mapped_column(ForeignKey("event_images.id", ondelete="SET NULL"))
    image_alt: Mapped[str] = mapped_column(String(250), default="", server_default="")
    # A forum's meeting (the forums package): its coordinators run it.
    forum_id: Mapped[Optional[int]] = mapped_column(ForeignKey("forums.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # An admin reopened settled attendance for changes until then (events/settlement.py).
    attendance_reopened_until: Mapped[Optional[datetime]]
    # After it ends, people who came are emailed the outcome survey (events/services/surveys.py) unless turned off.
    surveys_on: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    venue: Mapped[Optional[Venue]] = relationship(lazy="joined")
    image: Mapped[Optional[EventImage]] = relationship(lazy="joined")
    series: Mapped[Optional[EventSeries]] = relationship(lazy="joined")
    priorities: Mapped[list[CohesionPriority]] = relationship(
        secondary=event_priorities, lazy="selectin", order_by=CohesionPriority.position
    )
    organisers: Mapped[list[User]] = relationship(secondary=event_organisers, lazy="selectin")
    # Loaded when asked for (the event's pages), not with every list of events.
    co_hosts: Mapped[list[PartnerOrganisation]] = relationship(secondary=event_co_hosts,
                                                               order_by=PartnerOrganisation.name_key)
    # Its title, summary and description in other languages (core.content_languages): a list loads them
    # in the page's language for all its events at once (`in_page_language`).
    translations: Mapped[list["EventTranslation"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="EventTranslation.language")

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("max_tickets >= 1", name="max_tickets_positive"),
        CheckConstraint("reserved_places >= 0", name="reserved_places_not_negative"),
        CheckConstraint("venue_id IS NOT NULL OR online_url IS NOT NULL", name="has_a_place"),
        Index("ix_events_status_starts_at", "status", "starts_at"),
        # The events list, the API and the feeds: listed events that have not ended
        # (or ended lately) are a range of this index, not a walk through ten years;
        # with the start in it, the list's page is found from the index alone.
        Index("ix_events_listing", "status", "audience", "ends_at", "starts_at"),
    )

    @property
    def is_online(self) -> bool:
        return self.online_url is not None

    @property
    def is_in_person(self) -> bool:
        return self.venue_id is not None

    @property
    def is_visible(self) -> bool:
        return self.status != EventStatus.DRAFT


# The longest language name one request holds ("Punjabi (Shahmukhi)" is 19).
LANGUAGE_NAME_MAX_LENGTH = 60


class AccessRequestKind(enum.Enum):
    """What someone can ask for, to take part, when they register. Health-
    related, so shown only where access needs are (core.accounts.safeguarding),
    and kept apart from equality monitoring, which is about who people are."""
    BSL_INTERPRETER = "bsl_interpreter"
    # The only kind with a detail: the language, one row per language.
    SPOKEN_LANGUAGE_INTERPRETER = "spoken_language_interpreter"
    HEARING_LOOP = "hearing_loop"
    LARGE_PRINT = "large_print"
    STEP_FREE = "step_free"
    QUIET_SPACE = "quiet_space"
    COMPANION = "companion"

    @property
    def label(self) -> str:
        return _ACCESS_REQUEST_LABELS[self]


_ACCESS_REQUEST_LABELS = {
    AccessRequestKind.BSL_INTERPRETER: _l("British Sign Language (BSL) interpreter"),
    AccessRequestKind.SPOKEN_LANGUAGE_INTERPRETER: _l("Interpreter for a spoken language"),
    AccessRequestKind.HEARING_LOOP: _l("Hearing loop"),
    AccessRequestKind.LARGE_PRINT: _l("Large print"),
    AccessRequestKind.STEP_FREE: _l("Step-free access"),
    AccessRequestKind.QUIET_SPACE: _l("Quiet space"),
    AccessRequestKind.COMPANION: _l("Companion or personal assistant"),
}
class EventTranslation(VersionColumns, db.Model):
    """An event's title, summary and description in another language. An
    empty summary or description shows the English one in its place."""

    __tablename__ = "event_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(150))
    summary: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint("event_id", "language", name="uq_event_translations_event_language"),
        CheckConstraint("language <> 'en'", name="not_english"),
    )


class Registration(db.Model):
    """One person's booking for an event: a member's, or a guest's by email."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # "user:<id>" or "guest:<email>": one registration per person per event.
    person_key: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH + 6))
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    status: Mapped[RegistrationStatus] = mapped_column(
        Enum(RegistrationStatus, name="registration_status", values_callable=enum_values)
    )
    tickets: Mapped[int] = mapped_column(Integer, default=1)
    access_needs: Mapped[str] = mapped_column(Text, default="")
    dietary_needs: Mapped[str] = mapped_column(Text, default="")
    contact_consent: Mapped[bool] = mapped_column(default=False)
    # Added by an organiser's past-attendance import (events/imports.py): nobody proved the address is the
    # person's, so it gets no organiser messages and no outcome survey.
    imported: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The language they registered in (core/i18n.py): a guest's emails are written in it.
    language: Mapped[Optional[str]] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[Optional[datetime]]
    # Queue order on the waiting list.
    waitlisted_at: Mapped[Optional[datetime]]
    offer_expires_at: Mapped[Optional[datetime]]
    cancelled_at: Mapped[Optional[datetime]]
    # Set when the reminder is queued, so a reminder goes once however often cron runs.
    reminded_at: Mapped[Optional[datetime]]

    event: Mapped[Event] = relationship(lazy="joined")
    user: Mapped[Optional[User]] = relationship()
    attendance: Mapped[Optional["Attendance"]] = relationship(back_populates="registration", uselist=False,
                                                              lazy="selectin")
    answers: Mapped[list["RegistrationAnswer"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    access_requests: Mapped[list["RegistrationAccessRequest"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RegistrationAccessRequest.id")

    __table_args__ = (
        UniqueConstraint("event_id", "person_key", name="uq_registrations_event_person"),
        CheckConstraint("tickets >= 1", name="tickets_positive"),
        Index("ix_registrations_event_status", "event_id", "status"),
        # Reports find everything one person came to (reach: first-time or returning).
        Index("ix_registrations_person_key", "person_key"),
    )

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    @property
    def access_requests_in_order(self) -> list["RegistrationAccessRequest"]:
        """What they asked for to take part, as the form lists the choices."""
        order = list(AccessRequestKind)
        return sorted(self.access_requests, key=lambda request: (order.index(request.kind), request.id))


class RegistrationAccessRequest(db.Model):
    """One thing a registration asks for to take part (AccessRequestKind);
    an interpreter for a spoken language names the language in `detail`,
    one row per language. Free-text needs stay in Registration.access_needs."""

    __tablename__ = "registration_access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AccessRequestKind] = mapped_column(
        Enum(AccessRequestKind, name="access_request_kind", values_callable=enum_values))
    detail: Mapped[str] = mapped_column(String(LANGUAGE_NAME_MAX_LENGTH), default="", server_default="")

    __table_args__ = (
        UniqueConstraint("registration_id", "kind", "detail", name="uq_registration_access_requests_request"),
        # A language for a spoken-language interpreter, and only for one.
        CheckConstraint("(kind = 'spoken_language_interpreter') = (detail <> '')", name="language_only_for_interpreter"),
    )

    @property
    def label(self) -> str:
        if self.kind == AccessRequestKind.SPOKEN_LANGUAGE_INTERPRETER:
            return _("Interpreter for %(language)s", language=self.detail)
        return self.kind.label


class EventInvitation(db.Model):
    """An organiser invited this email address: its emailed link lets them
    register even where the event is by invitation only."""

    __tablename__ = "event_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    invited_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The registration made with it, once the invited person has registered.
    registration_id: Mapped[Optional[int]] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    registration: Mapped[Optional[Registration]] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("event_id", "email", name="uq_event_invitations_event_email"),)

    @property
    def is_used(self) -> bool:
        return self.registration is not None and self.registration.status != RegistrationStatus.CANCELLED


class QuestionKind(enum.Enum):
    TEXT = "text"
    CHOICE = "choice"
    YES_NO = "yes_no"

    @property
    def label(self) -> str:
        return {QuestionKind.TEXT: "Free text", QuestionKind.CHOICE: "Choose one from a list",
                QuestionKind.YES_NO: "Yes or no"}[self]


class EventQuestion(db.Model):
    """An extra question an organiser asks everyone who registers."""

    __tablename__ = "event_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[QuestionKind] = mapped_column(Enum(QuestionKind, name="question_kind", values_callable=enum_values))
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    @property
    def choices(self) -> list[str]:
        return ["Yes", "No"] if self.kind == QuestionKind.YES_NO else list(self.options or [])


class RegistrationAnswer(db.Model):
    __tablename__ = "registration_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("event_questions.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(Text)

    question: Mapped[EventQuestion] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("registration_id", "question_id", name="uq_registration_answers_question"),)


class ProgrammeSession(db.Model):
    """A talk or workshop within an event (the standing conference's programme)."""

    __tablename__ = "programme_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    room: Mapped[str] = mapped_column(String(100), default="")
    speakers: Mapped[str] = mapped_column(String(300), default="")
    # None: no limit on places; anyone booked on the event can choose it.
    capacity: Mapped[Optional[int]]

    event: Mapped[Event] = relationship()

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
    )

    def overlaps(self, other: "ProgrammeSession") -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


class SessionSignup(db.Model):
    """A registered person's place in one programme session, or their place
    in its waiting list (`waiting`) when it was full."""

    __tablename__ = "session_signups"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("programme_sessions.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    waiting: Mapped[bool] = mapped_column(default=False, server_default=false())

    session: Mapped[ProgrammeSession] = relationship(lazy="joined")
    registration: Mapped["Registration"] = relationship()

    __table_args__ = (UniqueConstraint("session_id", "registration_id", name="uq_session_signups_session_registration"),)


@dataclass(frozen=True)
class SessionChoice:
    """A person's hold on one session of the programme, as the timetable
    tags it (events.services.programme.session_choices): a place in it, or
    a number in its waiting list."""
    queue_position: int | None = None  # None: they have a place

    @property
    def has_place(self) -> bool:
        return self.queue_position is None

    @property
    def label(self) -> str:
        return _("Chosen") if self.has_place else _("Waiting list, number %(number)d", number=self.queue_position)

    @property
    def tag(self) -> str:
        """The GOV.UK tag colour it is shown in (templates/_macros/status.html):
        yellow while the person waits, as for a booking."""
        return "govuk-tag--green" if self.has_place else "govuk-tag--yellow"


def counted_person():
    """Who a registration counts as in reports, as SQL: the account that holds
    it ("user:<id>"), or else its person_key. A guest's booking claimed by
    the account that proved its address keeps its guest person_key (the links
    emailed to the guest carry it), but is that person's, whose answers are
    now under the account's key."""
    return case((Registration.user_id.is_not(None), literal("user:", String) + cast(Registration.user_id, String)),
                else_=Registration.person_key)


class Attendance(db.Model):
    """Someone was there. Separate from registration: walk-ins have none."""

    __tablename__ = "attendances"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    walk_in_name: Mapped[Optional[str]] = mapped_column(String(NAME_MAX_LENGTH))
    people: Mapped[int] = mapped_column(default=1)
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_in_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    registration: Mapped[Optional[Registration]] = relationship(back_populates="attendance")

    __table_args__ = (
        CheckConstraint("registration_id IS NOT NULL OR walk_in_name IS NOT NULL", name="walk_in_named"),
        CheckConstraint("people >= 1", name="people_positive"),
        # An event's attendance, and its walk-ins (no registration) among them: without the second
        # column SQLite took the unique index on registration_id for "IS NULL" and read every
        # walk-in of every event (95 ms a check-in page over a million records).
        Index("ix_attendances_event_id_registration_id", "event_id", "registration_id"),
    )

    @property
    def name(self) -> str:
        return self.registration.name if self.registration else self.walk_in_name


class CalendarLink(db.Model):
    """A member's private calendar feed address. Calendar apps send no
    cookies, so the token in the URL is the only key; making a new one
    retires the old address."""

    __tablename__ = "calendar_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class EventMessage(db.Model):
    """A message an organiser emailed to the event's people (booked, on the
    waiting list, who came), kept in the event's history. The text is the
    organiser's, not anyone's personal data; who got it is the outbox's."""

    __tablename__ = "event_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    # Its audiences: any of booked, waiting and came, at least one.
    to_booked: Mapped[bool] = mapped_column(default=False)
    to_waiting: Mapped[bool] = mapped_column(default=False)
    to_came: Mapped[bool] = mapped_column(default=False)
    # Essential (about this event: a room change, what to bring) goes to everyone chosen; anything else only
    # to those who agreed to hear from the partnership and have not unsubscribed.
    essential: Mapped[bool] = mapped_column(default=False)
    recipients: Mapped[int] = mapped_column(default=0)
    sent_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Sending it by email, whose page shows how far it has got (none when nobody gets it).
    job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("background_jobs.id", ondelete="SET NULL"))
    # The preview's one-time key: the same preview sent twice (a double click, two tabs) sends once.
    draft: Mapped[str] = mapped_column(String(64), unique=True)

    sent_by: Mapped[Optional[User]] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("to_booked OR to_waiting OR to_came", name="has_an_audience"),
        CheckConstraint("recipients >= 0", name="recipients_not_negative"),
        Index("ix_event_messages_event_sent_at", "event_id", "sent_at"),
    )

    @property
    def audiences(self) -> list["MessageAudience"]:
        return [audience for audience in MessageAudience if getattr(self, f"to_{audience.value}")]


class MessageAudience(enum.Enum):
    """Whom an organiser's message is for."""
    BOOKED = "booked"
    WAITING = "waiting"
    CAME = "came"

    @property
    def label(self) -> str:
        return {MessageAudience.BOOKED: "Booked", MessageAudience.WAITING: "On the waiting list",
                MessageAudience.CAME: "Came"}[self]
# --- outcome surveys ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SurveyQuestion:
    """One question of the outcome survey: `key` is its answer column."""
    key: str
    text: str
    choices: tuple[tuple[str, str], ...]
    # The answers counted as agreeing, for the comparison with published figures (none: not compared).
    agreeing: tuple[str, ...] = ()


_AGREE_SCALE = (("definitely_agree", _l("Definitely agree")), ("tend_to_agree", _l("Tend to agree")),
                ("tend_to_disagree", _l("Tend to disagree")), ("definitely_disagree", _l("Definitely disagree")))

# The two cohesion questions in the wording of the Community Life Survey (DCMS), so that answers can be set
# beside its published figures (reports/data/cohesion-figures.csv); every question may be left unanswered.
SURVEY_QUESTIONS = (
    SurveyQuestion("overall", _l("Overall, how good was the event?"), (
        ("very_good", _l("Very good")), ("good", _l("Good")), ("neither", _l("Neither good nor poor")),
        ("poor", _l("Poor")), ("very_poor", _l("Very poor")))),
    SurveyQuestion("met_someone", _l("At this event, did you meet and talk with someone from a different "
                                     "background to you?"), (
        ("yes", _l("Yes")), ("no", _l("No")), ("not_sure", _l("Not sure")))),
    SurveyQuestion("get_on_well", _l("To what extent do you agree or disagree that your local area is a place "
                                     "where people from different backgrounds get on well together?"), (
        *_AGREE_SCALE, ("dont_know", _l("Don't know")),
        ("too_few_people", _l("Too few people in local area")), ("all_same", _l("All same background"))),
        agreeing=("definitely_agree", "tend_to_agree")),
    SurveyQuestion("influence", _l("Do you agree or disagree that you personally can influence decisions "
                                   "affecting your local area?"), (
        *_AGREE_SCALE, ("dont_know", _l("Don't know"))),
        agreeing=("definitely_agree", "tend_to_agree")),
)
SURVEY_ANSWER_MAX_LENGTH = 2000
SURVEY_TOKEN_HASH_LENGTH = 64


def _one_of(question: SurveyQuestion) -> CheckConstraint:
    codes = ", ".join(f"'{code}'" for code, _ in question.choices)
    return CheckConstraint(f"{question.key} IS NULL OR {question.key} IN ({codes})", name=f"{question.key}_known")


class SurveyInvitation(db.Model):
    """One person who came was emailed the outcome survey: personal data
    (it names their registration), kept apart from what they answer. Only
    the token's hash is kept; `answered` marks it used, and says nothing of
    when, so no answer can be matched to it by its time."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # One survey per registration, ever: the job may run any number of times.
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(SURVEY_TOKEN_HASH_LENGTH), unique=True)
    # The language the email was written in, and so the survey's.
    language: Mapped[str] = mapped_column(String(8))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered: Mapped[bool] = mapped_column(default=False, server_default=false())

    event: Mapped[Event] = relationship()
    registration: Mapped[Registration] = relationship()

    __table_args__ = (CheckConstraint("expires_at > sent_at", name="expires_after_sending"),)


class SurveyAnswer(db.Model):
    """One set of answers to an event's outcome survey, anonymous: nothing
    here leads back to the person or their invitation. The key is random (no
    order to match against invitations) and no time is kept: nothing a
    result needs, and a day would match the one person who answered on it."""

    __tablename__ = "survey_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    overall: Mapped[Optional[str]] = mapped_column(String(24))
    met_someone: Mapped[Optional[str]] = mapped_column(String(24))
    get_on_well: Mapped[Optional[str]] = mapped_column(String(24))
    influence: Mapped[Optional[str]] = mapped_column(String(24))
    anything_else: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = tuple(_one_of(question) for question in SURVEY_QUESTIONS)


class SettledTally(db.Model):
    """A settled event's attendance, added up once (events/tallies.py) so a
    report over thousands of events adds up a row each instead of every
    check-in. Kept only while it is true: made once attendance settles,
    deleted when an admin reopens it, made again when anything it counts
    changes after (erasure, retention, merging people, equality answers). A
    report uses it only while the event's dates, reopening and the record
    key secret are those it was made under; it counts anything else live."""

    __tablename__ = "settled_tallies"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    came: Mapped[int]  # people checked in (a booking for several counts each of them)
    unnamed: Mapped[int]  # walk-ins and the extra people on a booking: no registration names them
    # What the event said when it was tallied: a tally of other dates or another reopening is stale.
    ends_at: Mapped[datetime]
    reopened_until: Mapped[Optional[datetime]]
    keyed_with: Mapped[str] = mapped_column(String(16))  # equality.record_key_fingerprint()
    tallied_at: Mapped[datetime] = mapped_column(default=utcnow)


class SettledTallyCell(db.Model):
    """Special category data in aggregate (docs/privacy.md): of a settled
    event's named people who came, how many gave one combination of answers
    to the questions the mixing figures use, and the sum of their record keys
    (reports/perturbation.py). Never shown as it is: only through a report's
    perturbation and suppression."""

    __tablename__ = "settled_tally_cells"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("settled_tallies.event_id", ondelete="CASCADE"), index=True)
    ethnic_group: Mapped[Optional[str]] = mapped_column(String(30))
    religion: Mapped[Optional[str]] = mapped_column(String(30))
    age_band: Mapped[Optional[str]] = mapped_column(String(30))
    came: Mapped[int]
    key_sum: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("came > 0", name="came_positive"),)
# What events' public pages, the API and the home page show (core/http_cache.py): a change to any of these
# gives them a new validator. Not what no public page shows (who came, messages, surveys, personal feed
# addresses, answers), so a check-in leaves the cached pages alone. Priorities have a scope of their own.
PAGES_SCOPE = "events"
http_cache.track_scope(PAGES_SCOPE, http_cache.tables_of(__name__, leaving_out={
    "attendances", "calendar_links", "event_messages", "survey_invitations", "survey_answers", "registration_answers",
    "registration_access_requests", "event_invitations", "cohesion_priorities", "settled_tallies",
    "settled_tally_cells"}) | {
    event_priorities.name, event_organisers.name, event_co_hosts.name, "partner_organisations", "users"},
    columns={"users": ["name"]})
http_cache.track_scope("priorities", [CohesionPriority.__tablename__])
