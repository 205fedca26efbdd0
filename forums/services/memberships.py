"""A membership once applied for: who is an active member (which events
asks through `events.audiences`), the coordinators' decisions (approve,
decline, which ends the forum's invitations to the person, suspend,
reinstate, remove, change a role), what a membership that
stops being active gives up (its places at members-only meetings to come),
and the coordinators' lists of members."""
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import delete, select, update
from sqlalchemy.orm import defaultload, lazyload

from core import audit
from core.accounts.models import User
from core.accounts.services import addresses_of
from core.database import utcnow
from core.email import queue_email
from core.extensions import db
from core.i18n import _, _l
from events import audiences
from events.models import Audience, Event, Registration, RegistrationStatus
from events.services.registration import cancel_registration
from forums.models import (Faith, Forum, ForumInvitation, Membership, MembershipRole, MembershipSpell,
                           MembershipStatus)
from forums.services.errors import ForumRuleBroken
from forums.services.safeguarding import is_young, needs_parent_consent
from forums.services.seats import check_faith_cap, lock_forum

TERM = timedelta(days=365)  # annual renewal unless the coordinator sets an end date


@audiences.forum_member_check
def is_active_member(user, forum_id: int | None, today: date | None = None) -> bool:
    """An active member of this forum (by id, so an event's forum_id will do)
    whose term has not ended: a lapsed member (`Membership.is_lapsed`, as the
    coordinators' lists and the forum page call it) takes part again once
    they renew."""
    if forum_id is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(active_forum_ids(user, today).where(Membership.forum_id == forum_id).limit(1)) \
        is not None


@audiences.joined_forums_query
def active_forum_ids(user, today: date | None = None):
    """The forums this person is an active member of, their term not ended, as
    a query (is_active_member for a list of events)."""
    today = today or date.today()
    return select(Membership.forum_id).where(Membership.user_id == user.id, Membership.taking_part(today))


def set_status(membership: Membership, status: MembershipStatus) -> None:
    """The one way a membership's status changes: it also keeps the record
    of when the person was an active member (MembershipSpell), which reports
    count members from. Its callers decide on the membership as read_locked
    read it, so no one becomes a member twice over."""
    was_active = membership.status == MembershipStatus.ACTIVE
    membership.status = status
    if status == MembershipStatus.ACTIVE and not was_active:
        db.session.flush()  # the membership has its id
        db.session.add(MembershipSpell(membership_id=membership.id, started_at=utcnow()))
    elif was_active and status != MembershipStatus.ACTIVE:
        db.session.flush()  # the spell it started, if in this transaction, is written
        db.session.execute(update(MembershipSpell).where(MembershipSpell.membership_id == membership.id,
                                                         MembershipSpell.ended_at.is_(None)).values(ended_at=utcnow()))


def read_locked(membership: Membership) -> None:
    """Take the forum's lock and read the membership again: a decision is
    made on what it is now, not on what the page showed (a parent may have
    withdrawn consent while a coordinator approved, two coordinators may
    press at once). Every service that changes a membership starts here."""
    lock_forum(membership.forum)
    db.session.refresh(membership)


def check_unchanged(membership: Membership, seen: str | None) -> None:
    """Refuse a decision made on a page that showed another version of the
    membership (`seen`: when it last changed, as the page showed it) than it
    is now: a colleague, the parent or the member changed it since, its
    status or its role (None: the page did not say, and the service's own
    rules decide)."""
    read_locked(membership)
    if not is_as_seen(membership, seen):
        raise ForumRuleBroken(CHANGED_SINCE_SEEN)


CHANGED_SINCE_SEEN = _l("This membership changed a moment ago. Look at it again before you go on.")


def is_as_seen(membership: Membership, seen: str | None) -> bool:
    """Whether the membership is as the page that sent `seen` showed it (None: the page did not say)."""
    return not seen or seen == membership.updated_at.isoformat()


def membership_of(user, forum: Forum) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Membership).where(Membership.forum_id == forum.id,
                                                      Membership.user_id == user.id))


def approve(membership: Membership, *, actor: User, role: MembershipRole = MembershipRole.MEMBER,
            term_ends_on: date | None = None, today: date | None = None,
            member_since: date | None = None) -> Membership:
    """The term runs a year from today (or to `term_ends_on`); `member_since`,
    from an imported membership list, is when it started, shown as the term's start."""
    today = today or date.today()
    read_locked(membership)
    if membership.status != MembershipStatus.APPLIED:
        raise ForumRuleBroken(f"This application is {membership.status.label.lower()}, so it cannot be approved")
    _check_future_term_end(term_ends_on, today)
    check_faith_cap(membership)
    membership.role = role
    membership.term_starts_on = min(member_since, today) if member_since else today
    membership.term_ends_on = term_ends_on or today + TERM
    membership.decided_at = utcnow()
    waiting = needs_parent_consent(membership, today) and membership.parent_consented_at is None
    set_status(membership, MembershipStatus.AWAITING_CONSENT if waiting else MembershipStatus.ACTIVE)
    db.session.flush()
    tell_member_approved(membership, waiting=waiting)
    audit.record("membership.approved", actor=actor, subject=membership, details={"role": role.value})
    return membership


def tell_member_approved(membership: Membership, *, waiting: bool) -> None:
    """Email the person that the coordinators approved them: a member now,
    or (`waiting`) once their parent or carer agrees."""
    queue_email(to=membership.user.email, subject=_l("Your application to %(forum)s", forum=membership.forum.name),
                template="forum_approved", membership=membership, waiting=waiting,
                link=url_for("forums.forum_page", forum_id=membership.forum_id, _external=True),
                reply_to=membership.forum.contact_address)


def _check_future_term_end(term_ends_on: date | None, today: date) -> None:
    """A term set to end today or earlier would make a member lapsed the
    moment they are approved."""
    if term_ends_on is not None and term_ends_on <= today:
        raise ForumRuleBroken("Term ends must be in the future", field="term_ends_on")


def decline(membership: Membership, *, reason: str, actor: User) -> None:
    read_locked(membership)
    if membership.status not in (MembershipStatus.APPLIED, MembershipStatus.AWAITING_CONSENT):
        raise ForumRuleBroken(f"This application is {membership.status.label.lower()}, so it cannot be declined")
    if not reason.strip():
        raise ForumRuleBroken("Give a reason: it goes to the applicant", field="reason")
    set_status(membership, MembershipStatus.DECLINED)
    membership.decline_reason = reason.strip()
    membership.decided_at = utcnow()
    db.session.flush()
    _end_invitations(membership.forum, membership.user, actor=actor)  # an earlier one must not undo the decline
    queue_email(to=membership.user.email, subject=_l("Your application to %(forum)s", forum=membership.forum.name),
                template="forum_declined", membership=membership, reply_to=membership.forum.contact_address)
    audit.record("membership.declined", actor=actor, subject=membership, details={"reason": reason.strip()})


def _end_invitations(forum: Forum, user: User, *, actor: User) -> None:
    """The coordinators have declined `user`: the forum's invitations to them
    end, followed already or not, to the address they use now or one they
    have proven before (they could move back to it), so that no earlier link
    can undo the decision."""
    addresses = sorted(addresses_of(user))
    cancelled = db.session.scalars(select(ForumInvitation.email).where(
        ForumInvitation.forum_id == forum.id, ForumInvitation.email.in_(addresses))).all()
    if cancelled:
        db.session.execute(delete(ForumInvitation).where(ForumInvitation.forum_id == forum.id,
                                                         ForumInvitation.email.in_(cancelled)))
        audit.record("forum.invitations_cancelled", actor=actor, subject=forum,
                     details={"emails": sorted(cancelled), "reason": "application declined"})


def suspend(membership: Membership, *, actor: User) -> None:
    _move(membership, MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED, "suspended", actor)


def reinstate(membership: Membership, *, actor: User) -> None:
    read_locked(membership)
    if needs_parent_consent(membership) and (membership.parent_consented_at is None
                                             or membership.parent_consent_withdrawn_at is not None):
        raise ForumRuleBroken("A parent or carer must consent again before this young person can be reinstated")
    _move(membership, MembershipStatus.SUSPENDED, MembershipStatus.ACTIVE, "reinstated", actor)


def remove(membership: Membership, *, actor: User) -> None:
    read_locked(membership)
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED):
        raise ForumRuleBroken("Only a member can be removed")
    set_status(membership, MembershipStatus.REMOVED)
    db.session.flush()
    audit.record("membership.removed", actor=actor, subject=membership)
    tell_member_it_ended(membership, "removed", give_up_members_only_places(membership, actor=actor))


def _move(membership: Membership, before: MembershipStatus, after: MembershipStatus, verb: str, actor: User):
    read_locked(membership)
    if membership.status != before:
        raise ForumRuleBroken(f"Only a member who is {before.label.lower()} can be {verb}")
    set_status(membership, after)
    db.session.flush()
    audit.record("membership.reinstated" if after == MembershipStatus.ACTIVE else "membership.suspended",
                 actor=actor, subject=membership)
    if after != MembershipStatus.ACTIVE:
        tell_member_it_ended(membership, verb, give_up_members_only_places(membership, actor=actor))
    else:  # told when it was paused, so told when it is not
        queue_email(to=membership.user.email, subject=_l("Your membership of %(forum)s", forum=membership.forum.name),
                    template="forum_reinstated", membership=membership,
                    link=url_for("forums.forum_page", forum_id=membership.forum_id, _external=True),
                    reply_to=membership.forum.contact_address)


def give_up_members_only_places(membership: Membership, *, actor: User | None, now: datetime | None = None) -> list:
    """Membership ends, access ends: someone who is no longer an active member
    gives up their places (booked, offered or waiting) at the forum's
    members-only meetings still to come. Each goes through events' own
    cancellation, so the next person waiting is offered it."""
    places = members_only_places(membership, now=now)
    for registration in places:
        cancel_registration(registration, actor=actor)
    if places:
        audit.record("membership.places_given_up", actor=actor, subject=membership,
                     details={"events": [registration.event_id for registration in places]})
    return [registration.event for registration in places]


def members_only_places(membership: Membership, *, now: datetime | None = None) -> list[Registration]:
    """The member's places (booked, offered or waiting) at the forum's
    members-only meetings still to come, soonest first: what suspending or
    removing them gives up (and reinstating does not give back)."""
    return list(db.session.scalars(select(Registration).join(Registration.event).where(
        Registration.user_id == membership.user_id, Event.forum_id == membership.forum_id,
        Event.audience == Audience.FORUM_MEMBERS, Event.starts_at > (now or utcnow()),
        Registration.status != RegistrationStatus.CANCELLED).order_by(Event.starts_at)))


def tell_member_it_ended(membership: Membership, why: str, meetings) -> None:
    """The member hears why, and which meetings they no longer have a place at."""
    queue_email(to=membership.user.email, subject=_l("Your membership of %(forum)s", forum=membership.forum.name),
                template="forum_membership_ended", membership=membership, why=why, meetings=meetings,
                reply_to=membership.forum.contact_address)


def change_role(membership: Membership, role: MembershipRole, *, term_ends_on: date | None, actor: User,
                today: date | None = None) -> None:
    if term_ends_on != membership.term_ends_on:  # the date it already has may have passed: renewing is for that
        _check_future_term_end(term_ends_on, today or date.today())
    membership.role, membership.term_ends_on = role, term_ends_on or membership.term_ends_on
    db.session.flush()
    audit.record("membership.role_changed", actor=actor, subject=membership, details={"role": role.value})


def set_contact_sharing(membership: Membership, *, share_email: bool, actor: User) -> None:
    if share_email and is_young(membership):
        raise ForumRuleBroken(_("Members under 18 cannot share contact details with other members"))
    membership.share_email = share_email
    db.session.flush()


LAPSED = "lapsed"  # a status filter: active, but the term has ended


def filtered_memberships(forum: Forum, *, status: str = "", role: MembershipRole | None = None,
                         faith: Faith | None = None, ending_within: timedelta | None = None,
                         today: date | None = None) -> list[Membership]:
    """The forum's memberships matching a coordinator's filters, by name."""
    today = today or date.today()
    query = select(Membership).join(Membership.user).where(Membership.forum_id == forum.id)
    if status == LAPSED:
        query = query.where(Membership.status == MembershipStatus.ACTIVE, Membership.term_ends_on < today)
    elif status:
        query = query.where(Membership.status == MembershipStatus(status))
    if role:
        query = query.where(Membership.role == role)
    if faith:
        query = query.where(Membership.faith == faith)
    if ending_within:
        query = query.where(Membership.term_ends_on.between(today, today + ending_within))
    # Their forum is `forum`, already loaded; the members' site roles only if asked for.
    return list(db.session.scalars(query.order_by(User.name, Membership.id).options(
        lazyload(Membership.forum), defaultload(Membership.user).lazyload(User.role_grants))))


def members(forum: Forum, *, statuses=(MembershipStatus.ACTIVE,)) -> list[Membership]:
    return list(db.session.scalars(select(Membership).join(Membership.user).where(
        Membership.forum_id == forum.id, Membership.status.in_(statuses)).order_by(User.name)))
