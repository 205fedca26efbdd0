"""A forum and who runs it: its details and rules (name, kind, age range,
faith cap, how people join, where replies to its emails go), its
coordinators (granted and revoked by an admin, each asked for a second
factor), and who coordinates what, which events asks through
`events.audiences`."""
from dataclasses import dataclass

from sqlalchemy import func, select

from core import audit
from core.accounts import safeguarding, second_factor
from core.accounts.models import User
from core.accounts.permissions import is_admin
from core.accounts.services import confirmed_account_with_email, normalise_email
from core.extensions import db
from events import audiences
from forums.models import Forum, ForumCoordinator, ForumKind
from forums.services.errors import ForumRuleBroken
from forums.services.seats import lock_forum


# Vague on purpose: whose the address is (a young member's) is not the coordinator's to learn here.
PRIVATE_CONTACT = "This address cannot be a public contact. Use the forum's or the partnership's own address."


@dataclass
class ForumDetails:
    name: str
    kind: ForumKind
    purpose: str
    area: str
    public_text: str = ""
    open_to_apply: bool = True
    min_age: int | None = None
    max_age: int | None = None
    faith_cap: int | None = None
    contact_email: str = ""  # empty: replies reach the partnership's address


def save_forum(forum: Forum | None, details: ForumDetails, *, actor: User) -> Forum:
    if forum is not None and details.kind != forum.kind and not is_admin(actor):
        # A youth forum's safeguarding rules hang on its kind.
        raise ForumRuleBroken("Only an admin can change the kind of forum", field="kind")
    name = " ".join(details.name.split())
    clash = db.session.scalar(select(Forum).where(func.lower(Forum.name) == name.lower()))
    if clash is not None and clash is not forum:
        raise ForumRuleBroken("There is already a forum with that name", field="name")
    if details.kind == ForumKind.YOUTH:
        low, high = details.min_age or 11, details.max_age or 18
        if high < low:
            raise ForumRuleBroken("The oldest age must be the same as or more than the youngest", field="max_age")
    else:
        low = high = None
    if details.contact_email and not safeguarding.may_show_everyone(details.contact_email):
        raise ForumRuleBroken(PRIVATE_CONTACT, field="contact_email")
    if forum is None:
        forum = Forum()
        db.session.add(forum)
    forum.name, forum.kind = name, details.kind
    forum.purpose, forum.area = details.purpose.strip(), details.area.strip()
    forum.public_text, forum.open_to_apply = details.public_text.strip(), details.open_to_apply
    forum.min_age, forum.max_age = low, high
    forum.faith_cap = details.faith_cap if details.kind == ForumKind.INTERFAITH else None
    forum.contact_email = normalise_email(details.contact_email) or None
    db.session.flush()
    audit.record("forum.saved", actor=actor, subject=forum)
    return forum


def account_with_email(email: str) -> User:
    """The account an admin names by its address (for a coordinator seat or a
    DBS record): only one that has proven it owns the address."""
    user = confirmed_account_with_email(email)
    if user is None:
        raise ForumRuleBroken("Nobody has an account with that email address yet. Ask them to create one and "
                              "confirm their email address first.", field="email")
    return user


def grant_coordinator(forum: Forum, user: User, *, actor: User) -> User:
    lock_forum(forum)
    if is_coordinator(user, forum.id):
        raise ForumRuleBroken(f"{user.name} already coordinates {forum.name}", field="email")
    db.session.add(ForumCoordinator(forum_id=forum.id, user_id=user.id, granted_by_id=actor.id))
    db.session.flush()
    audit.record("forum.coordinator_granted", actor=actor, subject=forum, details={"user": user.id})
    second_factor.seat_granted(user, actor=actor)
    return user


def revoke_coordinator(forum: Forum, user: User, *, actor: User) -> None:
    grant = db.session.scalar(select(ForumCoordinator).where(ForumCoordinator.forum_id == forum.id,
                                                             ForumCoordinator.user_id == user.id))
    if grant is not None:
        db.session.delete(grant)
        db.session.flush()
        audit.record("forum.coordinator_revoked", actor=actor, subject=forum, details={"user": user.id})


@audiences.forum_coordinator_check
def is_coordinator(user, forum_id: int | None) -> bool:
    """Coordinates this forum (by id, so an event's forum_id will do)."""
    if forum_id is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(ForumCoordinator.id).where(
        ForumCoordinator.forum_id == forum_id, ForumCoordinator.user_id == user.id)) is not None


@audiences.coordinated_forums_query
def coordinated_forum_ids(user):
    """The forums this person coordinates, as a query (is_coordinator for a list of events)."""
    return select(ForumCoordinator.forum_id).where(ForumCoordinator.user_id == user.id)


@second_factor.holds_a_seat
def coordinates_a_forum(user: User) -> bool:
    """Any forum: coordinators see members' details, young people's among
    them, so core asks them for a second factor at sign-in."""
    return db.session.scalar(select(ForumCoordinator.id).where(ForumCoordinator.user_id == user.id).limit(1)) \
        is not None


def coordinated_forums(user) -> list[Forum]:
    return list(db.session.scalars(select(Forum).join(ForumCoordinator).where(
        ForumCoordinator.user_id == user.id).order_by(Forum.name)))
