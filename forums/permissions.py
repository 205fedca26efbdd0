"""Who may do what with forums."""
from core.permissions import is_admin
from forums import services


def can_manage_forums(user) -> bool:
    """Create forums and choose their coordinators."""
    return is_admin(user)


def can_edit_forum(user, forum) -> bool:
    """Admins set forums up; a forum's coordinators change its details and
    its rules (faith cap, age range, how people join) afterwards."""
    return can_manage_forums(user) if forum is None else can_manage_forum(user, forum)


def can_manage_forum(user, forum) -> bool:
    return is_admin(user) or services.is_coordinator(user, forum.id)


def can_see_directory(user, forum) -> bool:
    return can_manage_forum(user, forum) or services.is_active_member(user, forum.id)


def can_see_young_members_details(user, forum) -> bool:
    """Only the forum's coordinators (or admins), and only with a current DBS check."""
    return can_manage_forum(user, forum) and services.safeguarding_check_current(user)


def can_take_part(user, forum) -> bool:
    """Book meetings, send apologies: the forum's active members."""
    return services.is_active_member(user, forum.id)
