"""Keeping young members safe: who counts as young (under 18 by a youth
forum membership's date of birth), whether a membership needs a parent or
carer's consent, and the DBS checks of the adults who may see young
people's details (forums.permissions asks both)."""
from datetime import date

from flask import current_app
from sqlalchemy import select

from core import audit
from core.accounts.models import User
from core.database import lock_row
from core.extensions import db
from forums.models import Forum, ForumKind, Membership, SafeguardingCheck
from forums.services.errors import ForumRuleBroken

ADULT_AGE = 18


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def is_young(membership: Membership, today: date | None = None) -> bool:
    """Under 18: contact details stay with the forum's coordinators."""
    return membership.date_of_birth is not None and age_on(membership.date_of_birth, today or date.today()) < ADULT_AGE


def youth_forums_of_young_people(user_ids, today: date | None = None) -> dict[int, frozenset[int]]:
    """Of these accounts, those under 18 by a youth forum membership's date of
    birth (as `is_young`), each with the youth forums that say so. Whatever
    the membership's status: a child who was removed, or is still applying,
    is still a child."""
    if not user_ids:
        return {}
    today = today or date.today()
    rows = db.session.execute(select(Membership.user_id, Membership.forum_id, Membership.date_of_birth).join(
        Membership.forum).where(Forum.kind == ForumKind.YOUTH, Membership.user_id.in_(user_ids),
                                Membership.date_of_birth.is_not(None))).all()
    young: dict[int, set[int]] = {}
    for user_id, forum_id, born in rows:
        if age_on(born, today) < ADULT_AGE:
            young.setdefault(user_id, set()).add(forum_id)
    return {user_id: frozenset(forum_ids) for user_id, forum_ids in young.items()}


def needs_parent_consent(membership: Membership, today: date | None = None) -> bool:
    return membership.forum.is_youth and is_young(membership, today)


def record_safeguarding_check(user: User, checked_on: date, *, actor: User, today: date | None = None) -> User:
    if user.id == actor.id:  # a check opens young people's details: someone else must vouch for it
        raise ForumRuleBroken("Another admin must record your own DBS check", field="email")
    if checked_on > (today or date.today()):
        raise ForumRuleBroken("The date of the check cannot be in the future", field="checked_on")
    lock_row(db.session, User, user.id)
    check = db.session.scalar(select(SafeguardingCheck).where(SafeguardingCheck.user_id == user.id))
    if check is None:
        check = SafeguardingCheck(user_id=user.id, checked_on=checked_on, recorded_by_id=actor.id)
        db.session.add(check)
    check.checked_on, check.recorded_by_id = checked_on, actor.id
    db.session.flush()
    audit.record("safeguarding.check_recorded", actor=actor, subject=user, details={"checked_on": str(checked_on)})
    return user


def safeguarding_checks() -> list[tuple[User, date]]:
    """Everyone with a recorded DBS check, and its date."""
    return list(db.session.execute(select(User, SafeguardingCheck.checked_on).join(
        SafeguardingCheck, SafeguardingCheck.user_id == User.id).order_by(User.name)).tuples())


def safeguarding_check_current(user, today: date | None = None) -> bool:
    """A DBS check within the partnership's renewal period (FORUM_DBS_VALID_YEARS)."""
    if not getattr(user, "is_authenticated", False):
        return False
    checked_on = db.session.scalar(select(SafeguardingCheck.checked_on).where(SafeguardingCheck.user_id == user.id))
    years = current_app.config["FORUM_DBS_VALID_YEARS"]
    today = today or date.today()
    return checked_on is not None and checked_on > today.replace(year=today.year - years)
