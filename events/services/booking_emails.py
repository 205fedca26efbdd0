"""The emails about a person's own place that several rules send alike: the
booking confirmation (a booking, a guest's confirmed address, an accepted
offer, an organiser's booking) and the confirmation of a cancellation.
"""
from flask import url_for

from core.content_languages import lazily
from core.email import queue_email
from core.i18n import _l
from core.accounts.models import User
from events.models import Registration, RegistrationStatus
from events.services.calendars import _calendar_attachment
from events.services.programme import has_sessions_to_choose
from events.services.registration_links import registration_link


def _send_booking_confirmation(registration: Registration) -> None:
    """The booking email, with the event as a calendar attachment."""
    event = registration.event
    queue_email(to=registration.email, subject=_l("You're booked: %(event)s", event=lazily(event, "title")),
                template="registration_confirmed", event=event, registration=registration,
                link=registration_link(registration), choose_sessions=has_sessions_to_choose(event),
                attachments=[_calendar_attachment(registration)], reply_to=event.contact_email,
                language=registration.language)


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
    queue_email(to=registration.email, subject=_l("Cancelled: your place at %(event)s", event=lazily(event, "title"))
                if was != RegistrationStatus.WAITLISTED
                else _l("You have left the waiting list: %(event)s", event=lazily(event, "title")),
                template="registration_cancelled", event=event, registration=registration, was=was.value,
                event_link=url_for("events.event_page", event_id=event.id, _external=True),
                attachments=[_calendar_attachment(registration, "CANCEL")]
                if was == RegistrationStatus.CONFIRMED else None, reply_to=event.contact_email,
                language=registration.language)
