"""A forum's lock, taken before its memberships are added or counted (a
double-clicked Apply makes one membership), and the seats a faith community
has on an interfaith forum, counted under it: PostgreSQL locks the forum row;
SQLite needs the caller's transaction to have begun under
`core.database.write_lock()`."""
from sqlalchemy import func, select

from core.database import lock_row
from core.extensions import db
from core.i18n import ngettext
from forums.models import Forum, Membership, MembershipStatus
from forums.services.errors import ForumRuleBroken


def lock_forum(forum: Forum) -> None:
    """Take the forum's lock for the rest of this transaction."""
    lock_row(db.session, Forum, forum.id)


def _faith_seats_taken(membership: Membership) -> int:
    return db.session.scalar(select(func.count(Membership.id)).where(
        Membership.forum_id == membership.forum_id, Membership.faith == membership.faith,
        Membership.id != membership.id,
        Membership.status.in_([MembershipStatus.ACTIVE, MembershipStatus.AWAITING_CONSENT,
                               MembershipStatus.SUSPENDED])))


def faith_seats_full(membership: Membership) -> bool:
    forum = membership.forum
    return forum.faith_cap is not None and membership.faith is not None and \
        _faith_seats_taken(membership) >= forum.faith_cap


def check_faith_cap(membership: Membership) -> None:
    if faith_seats_full(membership):
        forum = membership.forum
        raise ForumRuleBroken(ngettext(
            "%(forum)s already has %(num)d member for %(faith)s, its limit for one faith community",
            "%(forum)s already has %(num)d members for %(faith)s, its limit for one faith community",
            _faith_seats_taken(membership), forum=forum.name, faith=membership.faith.label))
