"""Events' pages: one blueprint (`events`), its routes split by audience.

- `public`: the events list and an event's page, booking, the emailed
  registration links, My events;
- `manage`: organisers' pages (an event's details, status, registrations,
  invitations, questions and programme), priorities and venues;
- `translations`: an event's title, summary and description in other languages;
- `messages`: an organiser writing to the event's people, previewing and sending;
- `check_in`: the day itself, check-in, walk-ins, settled attendance;
- `calendars`: the iCalendar feeds and a member's personal calendar link;
- `surveys`: the outcome survey people who came are emailed, and its switch;
- `loading`: what they share, loading an event or a registration, or refusing.
"""
from flask import Blueprint

from events import privacy  # noqa: F401  registers events' part of "Your data", erasure and retention
from events import people  # noqa: F401  registers events' part in merging duplicate people
from events import imports  # noqa: F401  registers the past-attendance import
from events.models import AccessRequestKind, Audience, EventKind, EventStatus, RegistrationStatus

bp = Blueprint("events", __name__)


@bp.app_context_processor
def _events_enums():
    """The enums events' templates decide by, so a page compares members
    (`event.status == EventStatus.CANCELLED`), never their value strings."""
    return {"AccessRequestKind": AccessRequestKind, "Audience": Audience, "EventKind": EventKind,
            "EventStatus": EventStatus, "RegistrationStatus": RegistrationStatus}


# The modules register their routes on `bp`, so they are imported once it exists.
from events.views import calendars, check_in, manage, messages, public, surveys, translations  # noqa: E402,F401
