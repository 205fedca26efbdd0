"""Outcome surveys: after an event ends, each person who came is emailed a
short survey once, in their language, with a link of their own; what they
answer is kept apart from who they are.

- Sending (`send_surveys`, the worker's hourly `send-surveys` job): from the
  event's end until its attendance settles (ATTENDANCE_SETTLES_AFTER_DAYS),
  so a check-in recorded the next day still gets one. Only to people whose
  attendance was recorded at the event on a booking made before it ended
  (`surveyable`): not to attendance imported afterwards (events/imports.py
  makes its bookings after the event, from addresses nobody proved), and not
  to a booking whose address was never confirmed. Otherwise anyone could add
  addresses they control and pad an event's answers around one real
  person's. Not for cancelled or postponed events, events whose organisers turned surveys off, walk-ins
  (no address), anyone a safeguarding rule protects, or addresses that
  may not be written to (`may_send_survey`).
- The link carries a random token; only its SHA-256 hash is kept, on the
  invitation. It works for SURVEY_OPEN_DAYS days, and once.
- Answering marks the invitation used (a yes/no, never when) and writes the
  answers as a row naming the event alone: a random key and the answers, no
  time, since a day or hour would match the one person who answered then. No
  audit entry is written, since one would say who answered when.
- An event's survey closes when the last link it can send has expired
  (`survey_closes_at`); reports show its results only then, so nobody can
  watch them change one answer at a time.

Functions flush but never commit.
"""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_login import AnonymousUserMixin
from sqlalchemy import and_, func, select, update

from core import audit
from core.accounts import safeguarding
from core.content_languages import lazily
from core.database import utcnow
from core.email import queue_email, recipient_language
from core.errors import DomainError, InvalidLink
from core.extensions import db
from core.i18n import DEFAULT, _, _l, known
from core.accounts.services import NOT_A_LINK
from events.models import (
    SURVEY_QUESTIONS, Attendance, Event, EventStatus, Registration, RegistrationStatus, SurveyAnswer,
    SurveyInvitation,
)

TOKEN_BYTES = 32


class SurveyAlreadyAnswered(DomainError):
    """A second answer through one link."""


def sending_ends_at(event: Event) -> datetime:
    """Surveys go out until the event's attendance settles (events/settlement.py)."""
    return event.ends_at + timedelta(days=current_app.config["ATTENDANCE_SETTLES_AFTER_DAYS"])


def survey_closes_at(event: Event) -> datetime:
    """When the last link the event can send has expired: no answer can come after."""
    return sending_ends_at(event) + timedelta(days=current_app.config["SURVEY_OPEN_DAYS"])


def may_send_survey(registration: Registration, *, screen: safeguarding.Screen) -> bool:
    """Whether this person who came may be emailed the survey. `screen` is
    the safeguarding gate's answer for a visitor (`safeguarding.screen`
    with nobody signed in) over everyone being sent to: whoever a rule
    protects from strangers (a young member of a youth forum) is not
    surveyed. An unsubscribe list, when there is one, is checked here too.
    Nobody added by an attendance import, nor a guest who never confirmed
    their address, is surveyed: nobody proved the address is theirs."""
    return (bool(registration.email) and not registration.imported
            and registration.status != RegistrationStatus.PENDING and screen.shows(registration))


def surveyable():
    """The condition on a registration (joined to its attendance and event)
    for being surveyed: checked in on a confirmed booking made before the
    event ended, never imported from a spreadsheet (nobody proved those
    addresses). Bookings close when an event ends (services/registration.py),
    so a later one came in some other way."""
    return and_(Registration.status == RegistrationStatus.CONFIRMED, Registration.confirmed_at.is_not(None),
                Registration.imported.is_(False), Registration.created_at < Event.ends_at,
                Attendance.registration_id == Registration.id)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_link(token: str) -> str:
    return url_for("events.survey", token=token, _external=True)


def send_surveys(*, now: datetime | None = None) -> int:
    """Email the survey to everyone who came to an event that has ended and
    whose attendance has not settled, who has not had it. Safe to run any
    number of times, at once too: each registration has one invitation at
    most (a unique constraint), and rows another run is sending are skipped."""
    now = now or utcnow()
    settles = timedelta(days=current_app.config["ATTENDANCE_SETTLES_AFTER_DAYS"])
    due = db.session.scalars(
        select(Registration).join(Attendance, Attendance.registration_id == Registration.id)
        .join(Event, Event.id == Registration.event_id)
        .outerjoin(SurveyInvitation, SurveyInvitation.registration_id == Registration.id)
        .where(Event.status == EventStatus.PUBLISHED, Event.surveys_on.is_(True), Event.ends_at <= now,
               Event.ends_at > now - settles, SurveyInvitation.id.is_(None), surveyable())
        .order_by(Registration.id)
        .with_for_update(of=Registration, skip_locked=True)
    ).all()
    screen = safeguarding.screen(AnonymousUserMixin(), due)
    expires = now + timedelta(days=current_app.config["SURVEY_OPEN_DAYS"])
    sent = 0
    for registration in due:
        if not may_send_survey(registration, screen=screen):
            continue
        token = secrets.token_urlsafe(TOKEN_BYTES)
        language = known(recipient_language(registration.email, registration.language)) or DEFAULT
        db.session.add(SurveyInvitation(event_id=registration.event_id, registration_id=registration.id,
                                        token_hash=_hash(token), language=language, sent_at=now,
                                        expires_at=expires))
        queue_email(to=registration.email, language=language,
                    subject=_l("How was %(event)s?", event=lazily(registration.event, "title")),
                    template="survey_invitation", event=registration.event, registration=registration,
                    link=survey_link(token), closes_on=expires, reply_to=registration.event.contact_email)
        sent += 1
    db.session.flush()
    return sent


def survey_for_token(token: str, *, now: datetime | None = None) -> SurveyInvitation:
    """The invitation an emailed link names, or InvalidLink saying why not:
    not a link of ours (altered or made up), answered already, or closed."""
    invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.token_hash == _hash(token)))
    if invitation is None:
        raise InvalidLink(NOT_A_LINK)
    if invitation.answered:
        raise InvalidLink(_("You have already answered this survey. Thank you for telling us."))
    if invitation.expires_at <= (now or utcnow()):
        raise InvalidLink(_("This survey has closed, so it cannot be answered any more. Thank you for coming."))
    return invitation


def answer_survey(invitation: SurveyInvitation, answers: dict[str, str | None], anything_else: str) -> SurveyAnswer:
    """Keep one person's answers (any may be None: every question is
    optional) and use up their link. The link is marked used by one
    conditional update, so of two answers sent at once only one is kept."""
    known_answers = {question.key: answers.get(question.key) or None for question in SURVEY_QUESTIONS}
    for question in SURVEY_QUESTIONS:
        if known_answers[question.key] not in (None, *(code for code, _label in question.choices)):
            raise DomainError(_("Choose an answer from the list"), field=question.key)
    used = db.session.execute(
        update(SurveyInvitation).where(SurveyInvitation.id == invitation.id, SurveyInvitation.answered.is_(False))
        .values(answered=True), execution_options={"synchronize_session": False}).rowcount
    if not used:
        raise SurveyAlreadyAnswered(_("You have already answered this survey. Thank you for telling us."))
    answer = SurveyAnswer(id=secrets.token_hex(16), event_id=invitation.event_id,
                          anything_else=(anything_else or "").strip(), **known_answers)
    db.session.add(answer)
    db.session.flush()
    return answer


def set_surveys(event: Event, on: bool, *, actor) -> None:
    """Turn the event's outcome survey on or off (off: no more are sent; answers already given stay)."""
    if event.surveys_on == on:
        return
    event.surveys_on = on
    audit.record("event.surveys_on" if on else "event.surveys_off", actor=actor, subject=event)
    db.session.flush()


def survey_counts(event: Event, *, now: datetime | None = None) -> tuple[int, int | None]:
    """How many surveys the event has sent, and how many have been answered:
    that second number only once the survey has closed (None before). A live
    count would tell someone watching it when a given person answered, and,
    set beside the results, what."""
    sent, answered = db.session.execute(
        select(func.count(SurveyInvitation.id),
               func.count(SurveyInvitation.id).filter(SurveyInvitation.answered.is_(True)))
        .where(SurveyInvitation.event_id == event.id)).one()
    return sent, answered if (now or utcnow()) >= survey_closes_at(event) else None
