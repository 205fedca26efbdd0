"""The programme: sessions within an event, and the sessions each booked person
chooses, with a waiting list per session (a freed place goes to whoever has
waited longest). Every change takes the event's lock (events.services.places).

Functions flush but never commit.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from core import audit
from core.database import utcnow
from core.email import queue_email
from core.extensions import db
from core.i18n import _, _l
from core.formatting import format_date_time_range, format_time_range
from core.accounts.models import User
from events.models import (
    Event, EventStatus, ProgrammeSession, Registration, RegistrationStatus, SessionChoice, SessionSignup,
)
from events.services.errors import (
    CapacityBelowBooked, EndsBeforeStart, EventRuleBroken, RegistrationClosed, SessionClash,
)
from events.services.places import _lock
from events.services.registration_links import registration_link


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
            f"The session must be within the event: {format_date_time_range(event.starts_at, event.ends_at)}",
            field="start_date")
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
        queue_email(to=signup.registration.email, subject=_l("Session cancelled: %(session)s", session=session.title),
                    template="session_cancelled", event=session.event, session=session, waiting=signup.waiting,
                    registration=signup.registration, link=registration_link(signup.registration),
                    reply_to=session.event.contact_email, language=signup.registration.language)
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


def session_choices(registration: Registration) -> dict[int, SessionChoice]:
    """Each session this person has a place in or waits for, by its id."""
    choices = {session.id: SessionChoice() for session in sessions_chosen(registration)}
    return choices | {session_id: SessionChoice(queue_position=position)
                      for session_id, position in session_queue_positions(registration).items()}


def _signups_of(registration: Registration) -> list[SessionSignup]:
    return list(db.session.scalars(select(SessionSignup).where(SessionSignup.registration_id == registration.id)))


def join_session(registration: Registration, session: ProgrammeSession) -> SessionSignup:
    """Take a place in the session, or join its waiting list when it is full.
    Waiting for a session that clashes with one already chosen is allowed: a
    place coming free moves the person across."""
    if session.event_id != registration.event_id:
        raise EventRuleBroken(_("That session is not part of this event"))
    _lock(registration.event)  # one lock for the whole programme: moves between sessions cannot deadlock
    # Read under the lock: a cancellation that took it first has left this place cancelled, holding no session.
    db.session.refresh(registration)
    db.session.refresh(registration.event)
    if registration.event.status == EventStatus.CANCELLED:
        raise RegistrationClosed(_("This event has been cancelled"))
    if registration.event.ends_at <= utcnow():
        raise RegistrationClosed(_("This event has ended"))
    if registration.status != RegistrationStatus.CONFIRMED:
        raise EventRuleBroken(_("You can choose sessions once your place at the event is booked"))
    signups = _signups_of(registration)
    if any(signup.session_id == session.id for signup in signups):
        raise EventRuleBroken(_("You are already signed up for this session, or waiting for it"))
    full = session.capacity is not None and session_signup_counts([session.id]).get(session.id, 0) >= session.capacity
    if not full:
        for other in (signup.session for signup in signups if not signup.waiting):
            if other.overlaps(session):
                raise SessionClash(_(
                    "%(session)s clashes with %(other)s (%(time)s), which you have chosen. Leave that session first "
                    "if you would rather go to this one.", session=session.title, other=other.title,
                    time=format_time_range(other.starts_at, other.ends_at)))
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
            queue_email(to=signup.registration.email, subject=_l("You have a place: %(session)s", session=session.title),
                        template="session_place_free", event=event, session=session,
                        registration=signup.registration, left=[other.session for other in left],
                        link=registration_link(signup.registration), reply_to=event.contact_email,
                        language=signup.registration.language)
