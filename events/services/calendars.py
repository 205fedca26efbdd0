"""What events give calendar apps beyond the public feeds: each person's
private feed address (made, renewed, stopped and looked up by its token),
the event as a calendar file attached to emails, and the domain every
calendar entry's UID is made under.

Functions flush but never commit.
"""
import re
import secrets

from flask import current_app, url_for
from sqlalchemy import delete, select

from core import audit
from core.database import lock_row
from core.email import recipient_language
from core.i18n import in_language
from core.extensions import db
from core.accounts.models import User
from events.feeds import series_sequences
from events.ical import event_calendar
from events.models import CalendarLink, Registration


def _calendar_attachment(registration: Registration, method: str = "PUBLISH") -> dict:
    """The event as a calendar file for an email to this person: the same UID
    as every other calendar file and feed of it, so calendars update one entry.
    In the email's language, whoever's request sends it."""
    event = registration.event
    with in_language(recipient_language(registration.email, registration.language)):
        calendar = event_calendar(event, url=url_for("events.event_page", event_id=event.id, _external=True),
                                  domain=site_domain(), method=method,
                                  attendee=registration.email if method != "PUBLISH" else None,
                                  series_sequences=series_sequences([event]))
    return {"filename": f"event-{event.id}.ics",
            "content_type": "text/calendar" if method == "PUBLISH" else f"text/calendar; method={method}",
            "content": calendar.decode()}


def site_domain() -> str:
    return current_app.config.get("SERVER_NAME") or "localhost"


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
