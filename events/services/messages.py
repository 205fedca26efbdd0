"""An organiser's messages to an event's people: whom a message reaches
(booked, on the waiting list, who came, or several), who is left out and
why, and sending it as a batch through the outbox, kept in the event's
history.

Essential messages (about this event: a room change, what to bring) go to
everyone chosen. Anything else goes only to people who agreed to hear from
the partnership when they booked (Registration.contact_consent) and have not
unsubscribed (core.unsubscribes, scope "partnership"), and carries the
unsubscribe link and headers (PECR). Each email's frame (greeting, why they
get it, the footer) is in the recipient's language; the organiser's text is
as written. Only a previewed message is sent: the preview's draft is minted
and signed by the server for this event and this message (core.drafts), and
its one-time key is consumed under the event's row lock, so the same preview
sent twice sends once.
"""
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import func, select

from core import audit, drafts, progress, unsubscribes
from core.accounts.models import User
from core.content_languages import lazily
from core.database import lock_row, utcnow
from core.email import queue_email, throttled
from core.errors import DomainError
from core.extensions import db
from core.i18n import _l
from events.models import Event, EventMessage, MessageAudience, Registration, RegistrationStatus

# Which statuses each audience means. Someone offered a place is still waiting for it. A guest who never
# confirmed their address (PENDING) is in no audience, not even "came": `reach` leaves them out, and people
# added by an attendance import (Registration.imported) too, since nobody proved those addresses.
_STATUSES = {
    MessageAudience.BOOKED: (RegistrationStatus.CONFIRMED,),
    MessageAudience.WAITING: (RegistrationStatus.WAITLISTED, RegistrationStatus.OFFERED),
}
NO_CONSENT, UNSUBSCRIBED, CANCELLED, IMPORTED = "no_consent", "unsubscribed", "cancelled", "imported"
LEFT_OUT_REASONS = {
    IMPORTED: "were added by a spreadsheet import, so their address is not proven theirs",
    NO_CONSENT: "did not agree to hear from the partnership when they booked",
    UNSUBSCRIBED: "have unsubscribed from messages that are not essential",
    CANCELLED: "cancelled their booking, so get no messages about it",
}


class MessageError(DomainError):
    """A message that cannot be sent as asked."""


@dataclass(frozen=True)
class Recipient:
    registration: Registration
    # Why they get it: the first of the chosen audiences they are in (came, booked, waiting).
    audience: MessageAudience


@dataclass
class Reach:
    """Whom a message reaches, by audience, and who is left out, by reason."""
    recipients: list[Recipient] = field(default_factory=list)
    by_audience: dict[MessageAudience, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)


def _previewed(subject: str, body: str, audiences: list[MessageAudience], essential: bool) -> list:
    """What a preview shows and Send must match: the text, whom it goes to, whether essential."""
    return [subject.strip(), body.strip(), sorted(a.value for a in audiences), bool(essential)]


def new_draft(event: Event, *, subject: str, body: str, audiences: list[MessageAudience], essential: bool,
              draft: str | None = None) -> str:
    """The signed draft a preview's Send button carries: `draft` again when
    it is this message's (previewed twice unchanged), else a new one."""
    return drafts.kept_or_minted(draft, f"event:{event.id}", _previewed(subject, body, audiences, essential))


def has_started(event: Event, now: datetime | None = None) -> bool:
    return event.starts_at <= (now or utcnow())


def check_audiences(event: Event, audiences: list[MessageAudience], now: datetime | None = None, *,
                    essential: bool = False) -> None:
    """Who may be written to now, and whether the message may be essential:
    only until the event ends. Essential messages skip consent and
    unsubscribing (PECR's service messages: a change of room, what to bring);
    after the event a thank-you, news or an invitation is not one."""
    if essential and event.ends_at <= (now or utcnow()):
        raise MessageError("The event has ended, so a message about it is not essential now: choose No, and it "
                           "goes to the people who agreed to hear from the partnership", field="essential")
    if not audiences:
        raise MessageError("Choose who to send the message to", field="audiences")
    if MessageAudience.CAME in audiences and not has_started(event, now):
        raise MessageError("You can write to the people who came once the event has started", field="audiences")


def reach(event: Event, audiences: list[MessageAudience], *, essential: bool) -> Reach:
    """Who gets a message to these audiences, and who is left out and why.
    One email per address, however many bookings share it."""
    order = [a for a in (MessageAudience.CAME, MessageAudience.BOOKED, MessageAudience.WAITING) if a in audiences]
    registrations = list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.status != RegistrationStatus.PENDING)
        .order_by(Registration.name, Registration.id)))
    stopped = set() if essential else unsubscribes.unsubscribed_among(
        [r.email for r in registrations], unsubscribes.PARTNERSHIP)
    found, left_out, seen = Reach(), Counter(), set()
    for registration in registrations:
        if registration.status == RegistrationStatus.PENDING:
            continue
        if registration.imported:
            left_out[IMPORTED] += 1
            continue
        if registration.status == RegistrationStatus.CANCELLED:
            left_out[CANCELLED] += 1
            continue
        audience = next((a for a in order if _in(registration, a)), None)
        address = registration.email.strip().lower()
        if audience is None or address in seen:
            continue
        seen.add(address)
        if not essential and address in stopped:
            left_out[UNSUBSCRIBED] += 1
        elif not essential and not registration.contact_consent:
            left_out[NO_CONSENT] += 1
        else:
            found.recipients.append(Recipient(registration, audience))
    found.by_audience = dict(Counter(r.audience for r in found.recipients))
    found.left_out = {reason: left_out[reason] for reason in LEFT_OUT_REASONS if left_out[reason]}
    return found


def _in(registration: Registration, audience: MessageAudience) -> bool:
    if audience == MessageAudience.CAME:
        return registration.attendance is not None
    return registration.status in _STATUSES[audience]


def sent_today(event: Event, now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(EventMessage).where(
        EventMessage.event_id == event.id, EventMessage.sent_at > now - timedelta(days=1)))


def send_message(event: Event, *, subject: str, body: str, audiences: list[MessageAudience], essential: bool,
                 draft: str, actor: User, now: datetime | None = None) -> tuple[EventMessage, bool]:
    """Send a previewed message and keep it in the event's history; returns
    it and whether it was sent now (False: this preview was sent already, by
    a double click or another tab, and nothing more goes). A draft not minted
    for this event and this message as it is now is refused (NotPreviewed)."""
    now = now or utcnow()
    key = drafts.key_of(draft, f"event:{event.id}", _previewed(subject, body, audiences, essential))
    lock_row(db.session, Event, event.id)  # one send at a time per event: the draft and the day's count hold
    already = db.session.scalar(select(EventMessage).where(EventMessage.draft == key))
    if already is not None:
        return already, False
    check_audiences(event, audiences, now, essential=essential)
    per_day = current_app.config["MESSAGES_PER_DAY"]
    if sent_today(event, now) >= per_day:
        raise MessageError(f"This event's people have had {per_day} messages in the last 24 hours, the most "
                           "allowed. Send this one later, or put it together with the next.")
    subject, body = subject.strip(), body.strip()
    found = reach(event, audiences, essential=essential)
    message = EventMessage(event_id=event.id, subject=subject, body=body, essential=essential,
                           recipients=len(found.recipients), sent_by_id=actor.id, sent_at=now, draft=key,
                           **{f"to_{a.value}": a in audiences for a in MessageAudience})
    db.session.add(message)
    db.session.flush()
    if found.recipients:
        count = len(found.recipients)
        message.job_id = progress.start_job(
            owner_id=actor.id, title=f"Message to {count} {'person' if count == 1 else 'people'} "
                                     f"about {event.title}: {subject}",
            back_url=url_for("events.event_message", event_id=event.id, message_id=message.id)).id
    per_minute = current_app.config["EVENT_MESSAGES_PER_MINUTE"]
    for n, recipient in enumerate(found.recipients):
        registration = recipient.registration
        queue_email(to=registration.email, template="event_message",
                    subject=_l("%(event)s: %(subject)s", event=lazily(event, "title"), subject=subject),
                    language=registration.language, reply_to=event.contact_email, job_id=message.job_id,
                    send_after=throttled(n, now, per_minute), event=event, message=message,
                    registration=registration, audience=recipient.audience.value,
                    stop_link=None if essential else unsubscribes.link(registration.email, unsubscribes.PARTNERSHIP),
                    headers=None if essential else unsubscribes.headers(registration.email, unsubscribes.PARTNERSHIP))
    db.session.flush()
    audit.record("event.message_sent", actor=actor, subject=event,
                 details={"message": message.id, "recipients": message.recipients, "essential": essential})
    return message, True


def messages_of(event: Event) -> list[EventMessage]:
    return list(db.session.scalars(select(EventMessage).where(EventMessage.event_id == event.id)
                                   .order_by(EventMessage.sent_at.desc(), EventMessage.id.desc())))


def message_of(event: Event, message_id: int) -> EventMessage | None:
    message = db.session.get(EventMessage, message_id)
    return message if message is not None and message.event_id == event.id else None


def paragraphs(text: str) -> list[str]:
    """Plain text's paragraphs, split at blank lines, for a page to show each as one."""
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def stop_partnership_messages(email: str, detail: str | None) -> None:
    """Unsubscribing from the partnership's messages withdraws the contact
    consent given with each booking made from that address."""
    for registration in db.session.scalars(select(Registration).where(
            func.lower(Registration.email) == email.strip().lower(), Registration.contact_consent.is_(True))):
        registration.contact_consent = False
    db.session.flush()


def restart_partnership_messages(email: str, detail: str | None, user) -> None:
    """Turning them back on from an account (its own, proven address) is
    consent again, for that account's bookings of events still to come."""
    if user is None:
        return
    for registration in db.session.scalars(select(Registration).join(Registration.event).where(
            Registration.user_id == user.id, Registration.status != RegistrationStatus.CANCELLED,
            Event.ends_at > utcnow())):
        registration.contact_consent = True
    db.session.flush()


unsubscribes.register_scope(replace(unsubscribes.scope_named(unsubscribes.PARTNERSHIP),
                                    turned_off=stop_partnership_messages, turned_on=restart_partnership_messages))
