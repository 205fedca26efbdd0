"""What events hold about a person, for core's privacy procedures
(core/privacy): their registrations, session choices, attendance and private
calendar address in "Your data"; what deleting their account does to their
registrations; and how long registrations and walk-ins' names are kept.

A new table in events/models.py that holds anything about a person gets its
functions here: its part of "Your data", of erasing an account and of
retention. The blueprint module imports this one, so it is registered once the
app is built; the positions fix where each part comes (core/privacy/registry.py).
"""
import secrets
from datetime import datetime

from sqlalchemy import String, cast, delete, exists, literal, select, update

from core.i18n import _, _l
from core.database import utcnow
from core.extensions import db
from core.accounts.models import User
from core.privacy import registry
from core.privacy.erasure import ERASED_NAME
from core.privacy.retention import ANONYMOUS, ANONYMOUS_KEY_PREFIX, Period, cutoff
from core.privacy.your_data import Section, theirs
from events import tallies
from events.services.registration import cancel_registration
from events.models import (
    Attendance, CalendarLink, Event, Registration, RegistrationAccessRequest, RegistrationAnswer, RegistrationStatus,
    SessionSignup, SettledTally, SurveyInvitation,
)

registry.audited_records.add(10, (Registration, lambda user: Registration.user_id == user.id),
                             name="events.Registration")
registry.retention_periods.add(20, Period(
    "registrations", 24, _l("Event registrations and attendance: {period} after the event, then kept only as "
                            "anonymous totals.")), name="registrations")
# Who was emailed an outcome survey, and whether their link was used; what they answered names no one.
registry.retention_periods.add(25, Period(
    "survey_invitations", 6, _l("Who was emailed an event's outcome survey, and whether they used the link: "
                                "{period} after it was sent. Survey answers are anonymous from the start: they "
                                "are kept with the event, never with your name or email address.")),
    name="survey_invitations")
# The audit actions events record, as "Your data" names them.
registry.audit_action_names.add(10, {
    "attendance.reopened": _l("Attendance reopened for changes"),
    "attendance.settled_early": _l("Attendance settled early"),
    "attendance.undone": _l("Check-in undone"),
    "attendance.walk_in_added": _l("Walk-in added"),
    "attendance.walk_in_changed": _l("Walk-in changed"),
    "attendance.walk_in_removed": _l("Walk-in removed"),
    "calendar_link.renewed": _l("Private calendar address renewed"),
    "calendar_link.stopped": _l("Private calendar address stopped"),
    "event.cancelled": _l("Event cancelled"),
    "event.created": _l("Event created"),
    "event.co_host_added": _l("Co-host added to an event"),
    "event.co_host_removed": _l("Co-host removed from an event"),
    "event.invited": _l("Invitations to an event sent"),
    "event.message_sent": _l("Message to an event's people sent"),
    "event.postponed": _l("Event postponed"),
    "event.published": _l("Event published"),
    "event.rescheduled": _l("Event date or time changed"),
    "event.surveys_off": _l("Outcome survey turned off for an event"),
    "event.surveys_on": _l("Outcome survey turned on for an event"),
    "event.unpublished": _l("Event unpublished"),
    "event.updated": _l("Event details changed"),
    "priority.saved": _l("Cohesion priority saved"),
    "question.added": _l("Registration question added"),
    "question.deleted": _l("Registration question deleted"),
    "registration.access_requests_changed": _l("Access requests changed"),
    "registration.already_registered": _l("Already registered: reminder email sent"),
    "registration.booked_by_organiser": _l("Place booked by the organiser"),
    "registration.cancelled": _l("Registration cancelled"),
    "registration.claimed": _l("Registrations made as a guest added to the account"),
    "registration.created": _l("Registered for an event"),
    "registration.set_aside": _l("Unconfirmed guest registration set aside"),
    "series.published": _l("Dates in an event series published"),
    "series.unpublished": _l("Dates in an event series unpublished"),
    "series.updated": _l("Dates in an event series changed"),
    "session.deleted": _l("Event session deleted"),
    "session.saved": _l("Event session saved"),
    "venue.saved": _l("Venue saved"),
}, name="events")


@registry.sections(20)
def _registrations(user: User) -> Section:
    registrations = db.session.scalars(
        select(Registration).join(Registration.event).where(theirs(Registration, user))
        .order_by(Event.starts_at)).all()
    signups = db.session.scalars(select(SessionSignup).where(
        SessionSignup.registration_id.in_([registration.id for registration in registrations]))).all()
    sessions = {}
    for signup in signups:
        sessions.setdefault(signup.registration_id, []).append(
            signup.session.title + (_(" (waiting list)") if signup.waiting else ""))
    records = [{
        _("Event"): registration.event.title, _("Event starts"): registration.event.starts_at,
        _("Name given"): registration.name, _("Email given"): registration.email,
        _("Status"): registration.status, _("Places"): registration.tickets,
        _("Access requests"): [str(request.label) for request in registration.access_requests_in_order],
        _("Access needs"): registration.access_needs, _("Dietary needs"): registration.dietary_needs,
        _("Happy to be contacted about future events"): registration.contact_consent,
        _("Registered"): registration.created_at, _("Cancelled"): registration.cancelled_at,
        _("Answers"): [f"{answer.question.label}: {answer.value}" for answer in registration.answers],
        _("Sessions chosen"): sessions.get(registration.id, []),
        _("Checked in"): registration.attendance.checked_in_at if registration.attendance else None,
    } for registration in registrations]
    link = db.session.scalar(select(CalendarLink).where(CalendarLink.user_id == user.id))
    if link is not None:
        records.append({_("Private calendar address made"): link.created_at})
    return Section("registrations", _("Events you registered for"), records)


@registry.sections(25)
def _surveys(user: User) -> Section:
    invitations = db.session.scalars(
        select(SurveyInvitation).join(SurveyInvitation.registration).join(Registration.event)
        .where(theirs(Registration, user)).order_by(Event.starts_at)).all()
    return Section("surveys", _("Outcome surveys emailed to you"), [{
        _("Event"): invitation.event.title, _("Emailed"): invitation.sent_at,
        _("Answered"): _("Yes") if invitation.answered else _("No"),
    } for invitation in invitations])


@registry.erasure_steps(10)
def _erase_registrations(user: User) -> None:
    registrations = db.session.scalars(select(Registration).where(theirs(Registration, user))
                                       .order_by(Registration.id)).all()
    now = utcnow()
    for registration in registrations:
        if registration.status != RegistrationStatus.CANCELLED and registration.event.ends_at > now:
            cancel_registration(registration, actor=None)
    erased_key, events_seen = f"erased:{secrets.token_hex(16)}", set()
    for registration in registrations:
        # One key for the person (so "came before?" still counts them once); a second
        # booking for one event (as a member and as a guest) needs a key of its own.
        registration.person_key = erased_key if registration.event_id not in events_seen else \
            f"{erased_key}:{registration.id}"
        events_seen.add(registration.event_id)
        registration.user, registration.name, registration.email = None, ERASED_NAME, ""
        registration.access_needs = registration.dietary_needs = ""
        registration.contact_consent = False
        registration.answers.clear()
        registration.access_requests.clear()
    db.session.flush()
    # Settled events' tallies count them by their answers under the old key: counted again without them.
    tallies.tally(_tallied(registration.event_id for registration in registrations))


def _tallied(event_ids) -> set[int]:
    return set(db.session.scalars(select(SettledTally.event_id).where(SettledTally.event_id.in_(set(event_ids)))))


@registry.retention_steps(25)
def _remove_old_survey_invitations(now: datetime) -> dict[str, int]:
    return {"survey invitations removed": db.session.execute(
        delete(SurveyInvitation).where(SurveyInvitation.sent_at < cutoff("survey_invitations", now))).rowcount}


def _old_events(kind: str, now: datetime):
    return select(Event.id).where(Event.ends_at < cutoff(kind, now))


@registry.retention_steps(20)
def _anonymise_old_registrations(now: datetime) -> dict[str, int]:
    return {"registrations made anonymous": _anonymise_registrations(now),
            "walk-in names removed": _remove_walk_in_names(now)}


def _anonymise_registrations(now: datetime) -> int:
    old = (Registration.event_id.in_(_old_events("registrations", now)),
           ~Registration.person_key.startswith(ANONYMOUS_KEY_PREFIX))
    for table in (RegistrationAnswer, RegistrationAccessRequest):
        db.session.execute(delete(table).where(table.registration_id.in_(select(Registration.id).where(*old))))
    # Their tallies count the answers of people no longer named: tallied again once the keys are gone.
    events = db.session.scalars(select(Registration.event_id).distinct().where(
        *old, Registration.event_id.in_(select(SettledTally.event_id)))).all()
    anonymised = db.session.execute(update(Registration).where(*old).values(
        user_id=None, name=ANONYMOUS, email="", access_needs="", dietary_needs="", contact_consent=False,
        person_key=literal(ANONYMOUS_KEY_PREFIX) + cast(Registration.id, String)),
        execution_options={"synchronize_session": False}).rowcount
    tallies.tally(events, now=now)
    return anonymised


def _remove_walk_in_names(now: datetime) -> int:
    return db.session.execute(update(Attendance).where(
        Attendance.event_id.in_(_old_events("registrations", now)), Attendance.registration_id.is_(None),
        Attendance.walk_in_name != ANONYMOUS).values(walk_in_name=ANONYMOUS)).rowcount


@registry.participation(10)
def _registered_since(person_key, since: datetime):
    """Registering for an event since then is taking part (keeps equality answers)."""
    return exists().where(Registration.person_key == person_key, Registration.created_at >= since)
