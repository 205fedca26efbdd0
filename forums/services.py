"""Forum rules: who may join (age range, faith caps, invitation-only
forums), the coordinator's decisions, and a parent or carer's consent for
members under 18. Functions flush but never commit.

A membership leaving ACTIVE (suspended, removed, a parent or carer's consent
withdrawn) gives up its places at the forum's members-only meetings still to
come, through events' cancellation (which, like any capacity change, needs
the same lock as below on SQLite).

Decisions that count seats (approving against a faith cap) lock the forum
row first: PostgreSQL locks it; SQLite needs the caller's transaction to
have begun under `core.database.write_lock()`.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import func, or_, select, update

from core import audit
from core.accounts import second_factor
from core.database import lock_row, utcnow
from core.email import queue_email
from core.errors import DomainError, InvalidLink
from core.extensions import db
from core.formatting import counted
from core.accounts.models import User
from core.accounts.permissions import is_admin
from core.accounts.services import confirmed_account_with_email, link_token, link_token_data, normalise_email
from events import audiences
from events.ical import plain_text
from events.models import Audience, Event, Registration, RegistrationStatus
from events.services.registration import cancel_registration
from forums.models import (
    Announcement, Faith, Forum, ForumCoordinator, ForumInvitation, ForumKind, Membership,
    MembershipRole, MembershipStatus, SafeguardingCheck,
)

ADULT_AGE = 18
TERM = timedelta(days=365)  # annual renewal unless the coordinator sets an end date
_CONSENT_SALT = "forum-parent-consent"
_INVITATION_SALT = "forum-invitation"
_ANNOUNCEMENTS_SALT = "forum-announcements-off"


class ForumRuleBroken(DomainError):
    pass


# --- forums and coordinators -------------------------------------------------------------

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
    if forum is None:
        forum = Forum()
        db.session.add(forum)
    forum.name, forum.kind = name, details.kind
    forum.purpose, forum.area = details.purpose.strip(), details.area.strip()
    forum.public_text, forum.open_to_apply = details.public_text.strip(), details.open_to_apply
    forum.min_age, forum.max_age = low, high
    forum.faith_cap = details.faith_cap if details.kind == ForumKind.INTERFAITH else None
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
    _lock_forum(forum)
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


# --- applying -------------------------------------------------------------------------------

@dataclass
class Application:
    reason: str
    faith: Faith | None = None
    organisation: str = ""
    date_of_birth: date | None = None
    parent_name: str = ""
    parent_email: str = ""
    photo_consent: bool = False
    share_email: bool = False


@audiences.forum_member_check
def is_active_member(user, forum_id: int | None, today: date | None = None) -> bool:
    """An active member of this forum (by id, so an event's forum_id will do)
    whose term has not ended: a lapsed member (`Membership.is_lapsed`, as the
    coordinators' lists and the forum page call it) takes part again once
    they renew."""
    if forum_id is None or not getattr(user, "is_authenticated", False):
        return False
    today = today or date.today()
    return db.session.scalar(select(Membership.id).where(
        Membership.forum_id == forum_id, Membership.user_id == user.id,
        Membership.status == MembershipStatus.ACTIVE,
        or_(Membership.term_ends_on.is_(None), Membership.term_ends_on >= today))) is not None


def membership_of(user, forum: Forum) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Membership).where(Membership.forum_id == forum.id,
                                                      Membership.user_id == user.id))


def apply(forum: Forum, user: User, application: Application, *, today: date | None = None,
          invitation: ForumInvitation | None = None) -> Membership:
    """Ask to join. A young person under 18 also needs their parent or
    carer's consent, which is asked for at once by email. Someone a
    coordinator invited is approved straight away, unless their faith
    community's seats are full (then the coordinators decide)."""
    today = today or date.today()
    _lock_forum(forum)  # a double-clicked Apply must not make two
    if invitation is not None:
        _check_invitation(invitation, forum, user)
    elif not forum.open_to_apply:
        raise ForumRuleBroken(f"{forum.name} takes members by invitation only. Contact its coordinators.")
    existing = membership_of(user, forum)
    if existing is not None and existing.is_live:
        raise ForumRuleBroken(f"You have already applied to {forum.name}")
    if existing is not None and existing.status == MembershipStatus.REMOVED:
        raise ForumRuleBroken(f"You were removed from {forum.name}. Contact its coordinators to rejoin.")
    if forum.is_interfaith and application.faith is None:
        raise ForumRuleBroken("Choose the faith community you represent", field="faith")
    if forum.is_youth:
        _check_youth_application(forum, user, application, today)
    membership = existing or Membership(forum=forum, user=user)
    membership.status, membership.role = MembershipStatus.APPLIED, MembershipRole.MEMBER
    membership.reason, membership.organisation = application.reason.strip(), application.organisation.strip()
    membership.faith = application.faith if forum.is_interfaith else None
    membership.date_of_birth = application.date_of_birth if forum.is_youth else None
    needs_parent = needs_parent_consent(membership, today)
    membership.parent_name = application.parent_name.strip() if needs_parent else ""
    membership.parent_email = application.parent_email.strip().lower() if needs_parent else ""
    membership.parent_consented_at = membership.parent_consent_withdrawn_at = None
    membership.photo_consent = application.photo_consent if forum.is_youth else False
    membership.share_email = application.share_email and not needs_parent
    membership.applied_at, membership.decided_at, membership.decline_reason = utcnow(), None, ""
    db.session.add(membership)
    db.session.flush()
    if needs_parent:
        queue_email(to=membership.parent_email, subject=f"Your consent for {user.name} to join {forum.name}",
                    template="forum_parent_consent", membership=membership, link=consent_link(membership))
    audit.record("membership.applied", actor=user, subject=membership, details={"forum": forum.id})
    if invitation is not None:
        invitation.accepted_at = utcnow()
        inviter = db.session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
        if inviter is not None and not faith_seats_full(membership):
            approve(membership, actor=inviter, today=today)
    return membership


def _check_youth_application(forum: Forum, user: User, application: Application, today: date) -> None:
    born = application.date_of_birth
    if born is None:
        raise ForumRuleBroken("Enter your date of birth", field="date_of_birth")
    if born >= today:
        raise ForumRuleBroken("Date of birth must be in the past", field="date_of_birth")
    age = age_on(born, today)
    if not forum.min_age <= age <= forum.max_age:
        raise ForumRuleBroken(
            f"{forum.name} is for young people aged {forum.min_age} to {forum.max_age}, and you are {age}. "
            "Ask its coordinators about other ways to take part.", field="date_of_birth")
    if age < ADULT_AGE:
        if not application.parent_name.strip():
            raise ForumRuleBroken("Enter your parent or carer's name", field="parent_name")
        if not application.parent_email.strip():
            raise ForumRuleBroken("Enter your parent or carer's email address", field="parent_email")
        if same_mailbox(application.parent_email, user.email):
            raise ForumRuleBroken("Enter your parent or carer's own email address, not yours", field="parent_email")


_GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def same_mailbox(one: str, other: str) -> bool:
    """Two addresses that reach the same person's inbox: me+parent@example.org
    is me@example.org (the part after '+' is the owner's own tag), and Gmail
    also ignores dots and answers at googlemail.com. A young person must not
    be able to give their own parent's consent this way."""
    def mailbox(address: str) -> tuple[str, str]:
        local, _, domain = address.strip().lower().rpartition("@")
        local = local.split("+", 1)[0]
        if domain in _GMAIL_DOMAINS:
            local, domain = local.replace(".", ""), "gmail.com"
        return local, domain
    return mailbox(one) == mailbox(other)


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


def withdraw_application(membership: Membership, *, actor: User) -> None:
    if membership.status not in (MembershipStatus.APPLIED, MembershipStatus.AWAITING_CONSENT):
        raise ForumRuleBroken("Only an application still being considered can be withdrawn")
    membership.status = MembershipStatus.WITHDRAWN
    db.session.flush()
    audit.record("membership.withdrawn", actor=actor, subject=membership)


# --- coordinators' decisions ---------------------------------------------------------------

def approve(membership: Membership, *, actor: User, role: MembershipRole = MembershipRole.MEMBER,
            term_ends_on: date | None = None, today: date | None = None) -> Membership:
    today = today or date.today()
    _lock_forum(membership.forum)
    db.session.refresh(membership)
    if membership.status != MembershipStatus.APPLIED:
        raise ForumRuleBroken(f"This application is {membership.status.label.lower()}, so it cannot be approved")
    _check_future_term_end(term_ends_on, today)
    _check_faith_cap(membership)
    membership.role = role
    membership.term_starts_on = today
    membership.term_ends_on = term_ends_on or today + TERM
    membership.decided_at = utcnow()
    waiting = needs_parent_consent(membership, today) and membership.parent_consented_at is None
    membership.status = MembershipStatus.AWAITING_CONSENT if waiting else MembershipStatus.ACTIVE
    db.session.flush()
    queue_email(to=membership.user.email, subject=f"Your application to {membership.forum.name}",
                template="forum_approved", membership=membership, waiting=waiting,
                link=url_for("forums.forum_page", forum_id=membership.forum_id, _external=True))
    audit.record("membership.approved", actor=actor, subject=membership, details={"role": role.value})
    return membership


def _check_future_term_end(term_ends_on: date | None, today: date) -> None:
    """A term set to end today or earlier would make a member lapsed the
    moment they are approved."""
    if term_ends_on is not None and term_ends_on <= today:
        raise ForumRuleBroken("Term ends must be in the future", field="term_ends_on")


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


def _check_faith_cap(membership: Membership) -> None:
    if faith_seats_full(membership):
        forum = membership.forum
        raise ForumRuleBroken(f"{forum.name} already has {counted(_faith_seats_taken(membership), 'member')} for "
                              f"{membership.faith.label}, its limit for one faith community")


def decline(membership: Membership, *, reason: str, actor: User) -> None:
    if membership.status not in (MembershipStatus.APPLIED, MembershipStatus.AWAITING_CONSENT):
        raise ForumRuleBroken(f"This application is {membership.status.label.lower()}, so it cannot be declined")
    if not reason.strip():
        raise ForumRuleBroken("Give a reason: it goes to the applicant", field="reason")
    membership.status, membership.decline_reason = MembershipStatus.DECLINED, reason.strip()
    membership.decided_at = utcnow()
    db.session.flush()
    queue_email(to=membership.user.email, subject=f"Your application to {membership.forum.name}",
                template="forum_declined", membership=membership)
    audit.record("membership.declined", actor=actor, subject=membership, details={"reason": reason.strip()})


def suspend(membership: Membership, *, actor: User) -> None:
    _move(membership, MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED, "suspended", actor)


def reinstate(membership: Membership, *, actor: User) -> None:
    if needs_parent_consent(membership) and (membership.parent_consented_at is None
                                             or membership.parent_consent_withdrawn_at is not None):
        raise ForumRuleBroken("A parent or carer must consent again before this young person can be reinstated")
    _move(membership, MembershipStatus.SUSPENDED, MembershipStatus.ACTIVE, "reinstated", actor)


def remove(membership: Membership, *, actor: User) -> None:
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED):
        raise ForumRuleBroken("Only a member can be removed")
    membership.status = MembershipStatus.REMOVED
    db.session.flush()
    audit.record("membership.removed", actor=actor, subject=membership)
    _tell_member_it_ended(membership, "removed", give_up_members_only_places(membership, actor=actor))


def _move(membership: Membership, before: MembershipStatus, after: MembershipStatus, verb: str, actor: User):
    if membership.status != before:
        raise ForumRuleBroken(f"Only a member who is {before.label.lower()} can be {verb}")
    membership.status = after
    db.session.flush()
    audit.record(f"membership.{verb}", actor=actor, subject=membership)
    if after != MembershipStatus.ACTIVE:
        _tell_member_it_ended(membership, verb, give_up_members_only_places(membership, actor=actor))
    else:  # told when it was paused, so told when it is not
        queue_email(to=membership.user.email, subject=f"Your membership of {membership.forum.name}",
                    template="forum_reinstated", membership=membership,
                    link=url_for("forums.forum_page", forum_id=membership.forum_id, _external=True))


def give_up_members_only_places(membership: Membership, *, actor: User | None, now: datetime | None = None) -> list:
    """Membership ends, access ends: someone who is no longer an active member
    gives up their places (booked, offered or waiting) at the forum's
    members-only meetings still to come. Each goes through events' own
    cancellation, so the next person waiting is offered it."""
    places = db.session.scalars(select(Registration).join(Registration.event).where(
        Registration.user_id == membership.user_id, Event.forum_id == membership.forum_id,
        Event.audience == Audience.FORUM_MEMBERS, Event.starts_at > (now or utcnow()),
        Registration.status != RegistrationStatus.CANCELLED).order_by(Event.starts_at)).all()
    for registration in places:
        cancel_registration(registration, actor=actor)
    if places:
        audit.record("membership.places_given_up", actor=actor, subject=membership,
                     details={"events": [registration.event_id for registration in places]})
    return [registration.event for registration in places]


def _tell_member_it_ended(membership: Membership, why: str, meetings) -> None:
    """The member hears why, and which meetings they no longer have a place at."""
    queue_email(to=membership.user.email, subject=f"Your membership of {membership.forum.name}",
                template="forum_membership_ended", membership=membership, why=why, meetings=meetings)


def change_role(membership: Membership, role: MembershipRole, *, term_ends_on: date | None, actor: User,
                today: date | None = None) -> None:
    if term_ends_on != membership.term_ends_on:  # the date it already has may have passed: renewing is for that
        _check_future_term_end(term_ends_on, today or date.today())
    membership.role, membership.term_ends_on = role, term_ends_on or membership.term_ends_on
    db.session.flush()
    audit.record("membership.role_changed", actor=actor, subject=membership, details={"role": role.value})


def set_contact_sharing(membership: Membership, *, share_email: bool, actor: User) -> None:
    if share_email and is_young(membership):
        raise ForumRuleBroken("Members under 18 cannot share contact details with other members")
    membership.share_email = share_email
    db.session.flush()


def _lock_forum(forum: Forum) -> None:
    lock_row(db.session, Forum, forum.id)


# --- a parent or carer's consent -----------------------------------------------------------

def consent_link(membership: Membership) -> str:
    token = link_token(_CONSENT_SALT, {"membership": membership.id, "parent": membership.parent_email})
    return url_for("forums.parent_consent", token=token, _external=True)


def membership_for_consent(token: str) -> Membership:
    data = link_token_data(_CONSENT_SALT, token)
    membership = db.session.get(Membership, data.get("membership")) if isinstance(data, dict) else None
    if membership is None or not membership.parent_email or membership.parent_email != data.get("parent"):
        raise InvalidLink("This link is no longer valid. Ask the forum's coordinators for a new one.")
    return membership


def give_consent(membership: Membership, *, photo_consent: bool, signed_in_as=None) -> None:
    """The parent or carer agrees, from the emailed link. `signed_in_as`: whoever
    is signed in on that browser, if anyone; never the young person themselves."""
    if getattr(signed_in_as, "is_authenticated", False) and signed_in_as.id == membership.user_id:
        raise ForumRuleBroken("You cannot give consent for yourself. Your parent or carer needs to open the link "
                              "in the email we sent them and agree themselves.")
    if membership.status in (MembershipStatus.DECLINED, MembershipStatus.WITHDRAWN, MembershipStatus.REMOVED):
        raise ForumRuleBroken("This application has closed, so there is nothing to consent to")
    membership.parent_consented_at, membership.parent_consent_withdrawn_at = utcnow(), None
    membership.photo_consent = photo_consent
    if membership.status == MembershipStatus.AWAITING_CONSENT:
        membership.status = MembershipStatus.ACTIVE
    db.session.flush()
    audit.record("membership.parent_consented", subject=membership, details={"photo_consent": photo_consent})


def withdraw_consent(membership: Membership) -> None:
    """The parent or carer changes their mind: membership is suspended at once."""
    membership.parent_consent_withdrawn_at, membership.photo_consent = utcnow(), False
    if membership.status in (MembershipStatus.ACTIVE, MembershipStatus.AWAITING_CONSENT):
        membership.status = MembershipStatus.SUSPENDED
    elif membership.status == MembershipStatus.APPLIED:
        membership.parent_consented_at = None
    db.session.flush()
    audit.record("membership.parent_consent_withdrawn", subject=membership)
    if membership.status == MembershipStatus.SUSPENDED:
        _tell_member_it_ended(membership, "consent withdrawn", give_up_members_only_places(membership, actor=None))
        for coordinator in membership.forum.coordinators:
            queue_email(to=coordinator.email, subject=f"Consent withdrawn: {membership.forum.name}",
                        template="forum_consent_withdrawn", membership=membership)


def resend_consent_request(membership: Membership, *, actor: User) -> None:
    """The parent or carer lost the email: send the same request again."""
    if not membership.parent_email or membership.status not in (MembershipStatus.APPLIED,
                                                                 MembershipStatus.AWAITING_CONSENT):
        raise ForumRuleBroken("Only an application still waiting for a parent or carer can be sent again")
    if membership.parent_consented_at is not None and membership.parent_consent_withdrawn_at is None:
        raise ForumRuleBroken("Their parent or carer has already agreed")
    queue_email(to=membership.parent_email, subject=f"Your consent for {membership.user.name} to join "
                f"{membership.forum.name}", template="forum_parent_consent", membership=membership,
                link=consent_link(membership))
    audit.record("membership.consent_request_resent", actor=actor, subject=membership)


def record_photo_consent(membership: Membership, photo_consent: bool, *, actor: User) -> None:
    """A parent or carer (or the member, if 18 or over) told the coordinator
    they changed their mind about photos."""
    membership.photo_consent = photo_consent
    db.session.flush()
    audit.record("membership.photo_consent_changed", actor=actor, subject=membership,
                 details={"photo_consent": photo_consent})


# --- the coordinator's lists ----------------------------------------------------------------

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
    return list(db.session.scalars(query.order_by(User.name, Membership.id)))


# --- who sees whom ---------------------------------------------------------------------------

def members(forum: Forum, *, statuses=(MembershipStatus.ACTIVE,)) -> list[Membership]:
    return list(db.session.scalars(select(Membership).join(Membership.user).where(
        Membership.forum_id == forum.id, Membership.status.in_(statuses)).order_by(User.name)))


# --- invitations -----------------------------------------------------------------------------

def invite(forum: Forum, email: str, *, actor: User) -> ForumInvitation:
    """Email someone a link to join. Inviting the same address again sends
    the link again."""
    email = normalise_email(email)
    _lock_forum(forum)
    account = confirmed_account_with_email(email)
    current = membership_of(account, forum) if account else None
    if current is not None and current.is_live:
        # Named by the address typed, not the account's name or status: neither is the inviter's to learn from it.
        raise ForumRuleBroken(f"{email} already has a membership of {forum.name}. See its members list.",
                              field="email")
    invitation = db.session.scalar(select(ForumInvitation).where(ForumInvitation.forum_id == forum.id,
                                                                 ForumInvitation.email == email))
    if invitation is None:
        invitation = ForumInvitation(forum=forum, email=email)
        db.session.add(invitation)
    invitation.invited_by_id, invitation.invited_at, invitation.accepted_at = actor.id, utcnow(), None
    db.session.flush()
    queue_email(to=email, subject=f"You are invited to join {forum.name}", template="forum_invitation",
                forum=forum, inviter=actor, link=_invitation_link(invitation))
    audit.record("forum.invitation_sent", actor=actor, subject=forum, details={"email": email})
    return invitation


def invitations_of(forum: Forum) -> list[ForumInvitation]:
    return list(db.session.scalars(select(ForumInvitation).where(ForumInvitation.forum_id == forum.id)
                                   .order_by(ForumInvitation.invited_at.desc())))


def _invitation_link(invitation: ForumInvitation) -> str:
    token = link_token(_INVITATION_SALT, {"invitation": invitation.id, "email": invitation.email})
    return url_for("forums.accept_invitation", token=token, _external=True)


def invitation_for_token(token: str) -> ForumInvitation:
    data = link_token_data(_INVITATION_SALT, token)
    invitation = db.session.get(ForumInvitation, data.get("invitation")) if isinstance(data, dict) else None
    if invitation is None or invitation.email != data.get("email"):
        raise InvalidLink("This invitation is no longer valid. Ask the forum's coordinators for a new one.")
    return invitation


def _check_invitation(invitation: ForumInvitation, forum: Forum, user: User) -> None:
    if invitation.forum_id != forum.id:
        raise ForumRuleBroken("This invitation is for another forum")
    if invitation.email != user.email:
        raise ForumRuleBroken(f"This invitation was sent to {invitation.email}. Sign in with the account for that "
                              "address, or ask the coordinators to invite the address you use here.")


# --- announcements -------------------------------------------------------------------------

def announce(forum: Forum, *, subject: str, body: str, role: MembershipRole | None, essential: bool,
             actor: User, now: datetime | None = None) -> Announcement:
    """Email the forum's active members (or those in one role) and keep the
    message on the forum page. Members who turned announcements off get only
    essential ones. Messages leave the outbox FORUM_ANNOUNCEMENTS_PER_MINUTE
    at a time; the outbox retries failures and never sends one twice."""
    now = now or utcnow()
    recipients = members_to_email(forum, role=role, essential=essential)
    announcement = Announcement(forum_id=forum.id, subject=subject.strip(), body=body.strip(), role=role,
                                essential=essential, recipients=len(recipients), sent_by_id=actor.id, sent_at=now)
    db.session.add(announcement)
    text = plain_text(announcement.body)  # the page shows it formatted; an email shows no Markdown markers
    for n, membership in enumerate(recipients):
        queue_email(to=membership.user.email, subject=f"{forum.name}: {announcement.subject}",
                    template="forum_announcement", announcement=announcement, text=text, forum=forum,
                    membership=membership,
                    stop_link=None if essential else announcements_off_link(membership),
                    send_after=throttled(n, now))
    db.session.flush()
    audit.record("forum.announcement_sent", actor=actor, subject=forum,
                 details={"announcement": announcement.id, "recipients": len(recipients)})
    return announcement


def members_to_email(forum: Forum, *, role: MembershipRole | None = None,
                     essential: bool = False) -> list[Membership]:
    """The forum's active members (or those in one role) that a message to
    the forum reaches: those who turned its emails off get only essential ones."""
    query = select(Membership).join(Membership.user).where(Membership.forum_id == forum.id,
                                                           Membership.status == MembershipStatus.ACTIVE)
    if role is not None:
        query = query.where(Membership.role == role)
    if not essential:
        query = query.where(Membership.announcement_emails.is_(True))
    return list(db.session.scalars(query.order_by(User.name, Membership.id)))


def throttled(n: int, now: datetime) -> datetime:
    """When the n-th (from 0) of a batch of emails to members may leave:
    FORUM_ANNOUNCEMENTS_PER_MINUTE at a time, so the mail server is not flooded."""
    per_minute = max(current_app.config["FORUM_ANNOUNCEMENTS_PER_MINUTE"], 1)
    return now + timedelta(minutes=n // per_minute)


def announcements_of(forum: Forum, limit: int = 10) -> list[Announcement]:
    return list(db.session.scalars(select(Announcement).where(Announcement.forum_id == forum.id)
                                   .order_by(Announcement.sent_at.desc(), Announcement.id.desc()).limit(limit)))


def set_announcement_emails(membership: Membership, wanted: bool) -> None:
    membership.announcement_emails = wanted
    db.session.flush()
    audit.record("membership.announcement_emails", subject=membership, details={"wanted": wanted})


def announcements_off_link(membership: Membership) -> str:
    token = link_token(_ANNOUNCEMENTS_SALT, membership.id)
    return url_for("forums.announcements_off", token=token, _external=True)


def membership_for_announcements_off(token: str) -> Membership:
    membership_id = link_token_data(_ANNOUNCEMENTS_SALT, token)
    membership = db.session.get(Membership, membership_id) if isinstance(membership_id, int) else None
    if membership is None:
        raise InvalidLink("This link is no longer valid: the membership it was for has gone.")
    return membership


# --- renewal ---------------------------------------------------------------------------------

def renewal_due(membership: Membership, today: date | None = None) -> bool:
    """Active, and the term ends within the notice period or has ended (lapsed)."""
    today = today or date.today()
    notice = timedelta(days=current_app.config["FORUM_RENEWAL_NOTICE_DAYS"])
    return (membership.status == MembershipStatus.ACTIVE and membership.term_ends_on is not None
            and membership.term_ends_on <= today + notice)


def renew(membership: Membership, *, actor: User, today: date | None = None) -> Membership:
    """Another year: from the end of the current term, or from today if it has lapsed."""
    today = today or date.today()
    lock_row(db.session, Membership, membership.id)  # a double click renews once
    db.session.refresh(membership)
    if not renewal_due(membership, today):
        raise ForumRuleBroken("Your membership is not due for renewal yet" if membership.status ==
                              MembershipStatus.ACTIVE else "Only an active membership can be renewed")
    membership.term_starts_on = max(membership.term_ends_on, today)
    membership.term_ends_on = membership.term_starts_on + TERM
    membership.renewal_reminded_at = None
    db.session.flush()
    audit.record("membership.renewed", actor=actor, subject=membership,
                 details={"term_ends_on": str(membership.term_ends_on)})
    return membership


def send_renewal_reminders(*, today: date | None = None) -> int:
    """Remind each active member whose term ends within the notice period,
    once per term: safe to run as often as cron likes, from several hosts."""
    today = today or date.today()
    notice = timedelta(days=current_app.config["FORUM_RENEWAL_NOTICE_DAYS"])
    due = db.session.scalars(select(Membership.id).where(
        Membership.status == MembershipStatus.ACTIVE, Membership.term_ends_on.between(today, today + notice),
        Membership.renewal_reminded_at.is_(None))).all()
    sent = 0
    for membership_id in due:
        claimed = db.session.execute(
            update(Membership).where(Membership.id == membership_id, Membership.renewal_reminded_at.is_(None))
            .values(renewal_reminded_at=utcnow()).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            continue  # another run got there first
        membership = db.session.get(Membership, membership_id)
        queue_email(to=membership.user.email, subject=f"Renew your membership of {membership.forum.name}",
                    template="forum_renewal_reminder", membership=membership,
                    link=url_for("forums.forum_page", forum_id=membership.forum_id, _external=True))
        sent += 1
    db.session.flush()
    return sent
