"""What forums hold about a person, for merging two accounts of one person
(core/people): memberships, coordinating, apologies and their safeguarding
check. Guests hold nothing in forums.

Two memberships of one forum become one: the livelier is kept (active, then
suspended, waiting for a parent's consent, applied, then those that ended;
the kept account's on a tie) and the other deleted, so a merge frees a seat
and never takes one.
"""
from sqlalchemy import delete, select, update

from core.extensions import db
from core.people.registry import Change, Records, records
from forums.models import Apology, ForumCoordinator, Membership, MembershipStatus, SafeguardingCheck

_RANK = {MembershipStatus.ACTIVE: 6, MembershipStatus.SUSPENDED: 5, MembershipStatus.AWAITING_CONSENT: 4,
         MembershipStatus.APPLIED: 3, MembershipStatus.REMOVED: 2, MembershipStatus.DECLINED: 1,
         MembershipStatus.WITHDRAWN: 0}


def _memberships(user_id: int) -> list[Membership]:
    return list(db.session.scalars(select(Membership).where(Membership.user_id == user_id).order_by(Membership.id)))


def _plan(source: int, target: int):
    ours = {membership.forum_id: membership for membership in _memberships(target)}
    moving, conflicts = [], []
    for membership in _memberships(source):
        other = ours.get(membership.forum_id)
        if other is None:
            moving.append(membership)
        elif _RANK[membership.status] > _RANK[other.status]:
            conflicts.append((membership, other))
        else:
            conflicts.append((other, membership))
    return moving, conflicts


def _pairs(model, scope, source: int, target: int) -> tuple[int, int]:
    """(moved, already held) for a table of one row per (scope, account)."""
    ours = set(db.session.scalars(select(scope).where(model.user_id == target)))
    theirs = set(db.session.scalars(select(scope).where(model.user_id == source)))
    return len(theirs - ours), len(theirs & ours)


def _preview(merged, kept) -> list[Change]:
    if merged.user is None or kept.user is None:
        return []
    source, target = merged.user.id, kept.user.id
    moving, conflicts = _plan(source, target)
    changes = [Change(f"Forum membership: {membership.forum.name}", f"moves ({membership.status.label})")
               for membership in moving]
    for winner, loser in conflicts:
        whose = "the kept account's" if winner.user_id == target else "the merged account's"
        changes.append(Change(f"Forum membership: {winner.forum.name}",
                              f"both are members: {whose} is kept ({winner.status.label}); the other "
                              f"({loser.status.label}) is deleted", conflict=True))
    moved, held = _pairs(ForumCoordinator, ForumCoordinator.forum_id, source, target)
    if moved or held:
        changes.append(Change("Forum coordinator", f"{moved} moved, {held} already held by the kept account"))
    moved, held = _pairs(Apology, Apology.event_id, source, target)
    if moved or held:
        changes.append(Change("Apologies for forum meetings", f"{moved} moved, {held} already sent by the kept account"))
    if db.session.scalar(select(SafeguardingCheck.id).where(SafeguardingCheck.user_id == source)):
        changes.append(Change("Safeguarding (DBS) check", "the more recent check is kept"))
    return changes


def _move_pairs(model, scope, source: int, target: int) -> int:
    ours = select(scope).where(model.user_id == target).scalar_subquery()
    db.session.execute(delete(model).where(model.user_id == source, scope.in_(ours)))
    return db.session.execute(update(model).where(model.user_id == source).values(user_id=target)).rowcount


def _move(merged, kept) -> dict[str, int]:
    if merged.user is None:
        return {}
    source, target = merged.user.id, kept.user.id
    moving, conflicts = _plan(source, target)
    for winner, loser in conflicts:
        db.session.delete(loser)
        moving.append(winner)
    db.session.flush()
    for membership in moving:
        membership.user_id = target
    db.session.flush()
    coordinating = _move_pairs(ForumCoordinator, ForumCoordinator.forum_id, source, target)
    apologies = _move_pairs(Apology, Apology.event_id, source, target)
    theirs = db.session.scalar(select(SafeguardingCheck).where(SafeguardingCheck.user_id == source))
    ours = db.session.scalar(select(SafeguardingCheck).where(SafeguardingCheck.user_id == target))
    if theirs is not None:
        if ours is not None and ours.checked_on >= theirs.checked_on:
            db.session.delete(theirs)
        else:
            if ours is not None:
                db.session.delete(ours)
                db.session.flush()
            theirs.user_id = target
    db.session.flush()
    return {"forum memberships": len(moving), "duplicate forum memberships removed": len(conflicts),
            "forums coordinated": coordinating, "apologies": apologies}


records.add(30, Records("Forums", _preview, _move), name="forums")
