"""The waiting list: its order, offering freed places to the people waiting
longest, accepting an offer, and passing on offers that have run out.

Functions flush but never commit, except `expire_offers`, which runs from cron
and commits per event.
"""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.content_languages import lazily
from core.database import utcnow, write_lock
from core.email import queue_email
from core.extensions import db
from core.i18n import _, _l
from events import settlement
from events.models import Event, EventStatus, Registration, RegistrationStatus
from events.services.booking_emails import _send_booking_confirmation
from events.services.errors import OfferExpired, RegistrationClosed
from events.services.places import _lock, places_left, registration_open
from events.services.registration_links import registration_link


def waiting_list(event: Event) -> list[Registration]:
    """Those waiting for a place, longest first: nobody, once the event is
    cancelled (their registrations keep their status, as `standing` says)."""
    if event.status == EventStatus.CANCELLED:
        return []
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
        queue_email(to=registration.email, subject=_l("A place is free: %(event)s", event=lazily(event, "title")),
                    template="registration_offered", event=event, registration=registration,
                    link=registration_link(registration), reply_to=event.contact_email,
                    language=registration.language)
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
        raise RegistrationClosed(_("This event has been cancelled, so there is no place to accept."))
    if registration.status != RegistrationStatus.OFFERED or registration.offer_expires_at <= utcnow():
        raise OfferExpired(_("Sorry, this offer has ended and the place has gone to the next person waiting."))
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
        queue_email(to=registration.email, subject=_l("Your offered place has passed on: %(event)s", event=lazily(event, "title")),
                    template="registration_offer_expired", event=event, registration=registration,
                    reply_to=event.contact_email, language=registration.language)
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
