"""Loading what an events page is about, or refusing: the event (404, or 403
to someone who may see it but not manage it), the registration an emailed
link names, a session of the event's programme; and the organisers' gate."""
from flask import abort
from flask_login import current_user
from sqlalchemy.orm import lazyload, selectinload

from core.accounts.models import User

from core.extensions import db
from core.views.emailed_links import from_emailed_link
from events import permissions
from events.services.registration_links import registration_for_token
from events.models import Audience, Event, ProgrammeSession, Registration


PAGE_SIZE = 20


def event_or_404(event_id: int, *, manage: bool = False) -> Event:
    # The organisers come with it (the check reads them); their site roles, and the event's priorities
    # (which few of its pages show), only when asked for.
    event = db.session.get(Event, event_id, options=[selectinload(Event.organisers).lazyload(User.role_grants),
                                                     lazyload(Event.priorities)])
    if event is None:
        abort(404)
    allowed = permissions.can_manage_event if manage else permissions.can_view_event
    if not allowed(current_user, event):
        abort(404 if not manage or not event.is_visible else 403)
    return event


def registration_from_link(token: str) -> Registration:
    registration = from_emailed_link(registration_for_token, token)
    # A members-only meeting, once its holder is no longer a member: nothing of it reaches them by the old link.
    if registration.user is not None and registration.event.audience == Audience.FORUM_MEMBERS \
            and not permissions.can_view_event(registration.user, registration.event):
        abort(404)
    return registration


def require_organiser():
    if not permissions.can_create_events(current_user):
        abort(403)


def session_of(event: Event, session_id: int) -> ProgrammeSession:
    session = db.get_or_404(ProgrammeSession, session_id)
    if session.event_id != event.id:
        abort(404)
    return session
