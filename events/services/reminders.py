"""Reminders emailed to everyone booked, shortly before their event starts.

Functions flush but never commit.
"""
from datetime import datetime, timedelta

from sqlalchemy import select

from core.content_languages import lazily
from core.database import utcnow
from core.email import queue_email
from core.extensions import db
from core.i18n import _l
from events.models import Event, EventStatus, Registration, RegistrationStatus
from events.services.registration_links import registration_link


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
        queue_email(to=registration.email, subject=_l("Reminder: %(event)s", event=lazily(registration.event, "title")),
                    template="registration_reminder", event=registration.event, registration=registration,
                    link=registration_link(registration), reply_to=registration.event.contact_email,
                    language=registration.language)
    db.session.flush()
    return len(due)
