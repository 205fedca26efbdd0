"""Who may do what with forums, and the forums' rule for the site's
safeguarding gate (core.accounts.safeguarding): a young member's contact details."""
from core.accounts import safeguarding
from core.accounts.permissions import is_admin
from core.i18n import _l
from forums.services.coordinators import is_coordinator
from forums.services.memberships import is_active_member
from forums.services.safeguarding import safeguarding_check_current, youth_forums_of_young_people

# Shown in place of a young member's details, in the reader's language; the constant is its English.
_YOUNG_MEMBERS_NOTE = _l("Under 18: ask the youth forum's DBS-checked coordinators for these details")
YOUNG_MEMBERS_NOTE = str(_YOUNG_MEMBERS_NOTE)


def can_manage_forums(user) -> bool:
    """Create forums and choose their coordinators."""
    return is_admin(user)


def can_edit_forum(user, forum) -> bool:
    """Admins set forums up; a forum's coordinators change its details and
    its rules (faith cap, age range, how people join) afterwards."""
    return can_manage_forums(user) if forum is None else can_manage_forum(user, forum)


def can_manage_forum(user, forum) -> bool:
    return is_admin(user) or is_coordinator(user, forum.id)


def can_see_directory(user, forum) -> bool:
    return can_manage_forum(user, forum) or is_active_member(user, forum.id)


def can_see_young_people_of(user, forum_ids) -> bool:
    """The details of someone young in these youth forums: only those forums'
    coordinators (or admins), and only with a current DBS check."""
    if not safeguarding_check_current(user):
        return False
    return is_admin(user) or any(is_coordinator(user, forum_id) for forum_id in forum_ids)


def can_see_young_members_details(user, forum) -> bool:
    """Only the forum's coordinators (or admins), and only with a current DBS check."""
    return can_see_young_people_of(user, {forum.id})


def _young_members_guard(viewer, user_ids: frozenset[int]) -> set[int]:
    """A young member of any youth forum is protected on every page, export
    and event, not only their forum's: only that forum's DBS-checked
    coordinators (and DBS-checked admins) see their details."""
    young = youth_forums_of_young_people(user_ids)
    verdicts: dict[frozenset[int], bool] = {}  # people are mostly in the same forum: ask once for each set
    for forum_ids in young.values():
        if forum_ids not in verdicts:
            verdicts[forum_ids] = can_see_young_people_of(viewer, forum_ids)
    return {user_id for user_id, forum_ids in young.items() if not verdicts[forum_ids]}


safeguarding.register_guard("forums.young_members", _young_members_guard, note=_YOUNG_MEMBERS_NOTE)


def can_take_part(user, forum) -> bool:
    """Book meetings, send apologies: the forum's active members."""
    return is_active_member(user, forum.id)
