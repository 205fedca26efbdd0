"""Who may do what with events."""
from core.accounts.models import SiteRole
from core.accounts.permissions import is_admin
from events import audiences
from events.models import Audience


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_create_events(user) -> bool:
    return _signed_in(user) and (user.has_role(SiteRole.ORGANISER) or user.has_role(SiteRole.ADMIN))


def can_manage_venues(user) -> bool:
    return can_create_events(user)


def can_manage_event(user, event, *, forums=audiences) -> bool:
    """Admins manage every event; organisers manage the events they organise;
    a forum's coordinators run its meetings. (`forums`: where the forum
    answers come from; a list passes `audiences.known_forums` for all its events.)"""
    if is_admin(user):
        return True
    if can_create_events(user) and any(organiser.id == user.id for organiser in event.organisers):
        return True
    return forums.runs_forum_events(user, event.forum_id)


def can_view_event(user, event, *, forums=audiences) -> bool:
    """A meeting for a forum's members (a youth forum's, say) is shown only
    to them: where and when young people meet is not for everyone."""
    if event.audience == Audience.FORUM_MEMBERS and not can_manage_event(user, event, forums=forums):
        return event.is_visible and forums.is_forum_member(user, event.forum_id)
    return event.is_visible or can_manage_event(user, event, forums=forums)


def can_manage_registration(user, registration) -> bool:
    """The person who registered, or whoever manages the event."""
    if _signed_in(user) and registration.user_id == user.id:
        return True
    return can_manage_event(user, registration.event)
