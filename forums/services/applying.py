"""Asking to join a forum: open forums and invitation-only ones (an invited
person is approved at once while their faith community has seats), an
interfaith forum's faith community, a youth forum's age range and the
parent or carer whose consent a young person needs; and withdrawing an
application."""
from dataclasses import dataclass
from datetime import date

from core import audit
from core.accounts.models import User
from core.database import utcnow
from core.errors import DomainErrors
from core.email import queue_email
from core.extensions import db
from core.i18n import _, _l
from forums.models import Faith, Forum, ForumInvitation, Membership, MembershipRole, MembershipStatus
from forums.services.consent import consent_link
from forums.services.errors import ForumRuleBroken
from forums.services.partners import partner_named
from forums.services.invitations import check_invitation
from forums.services.memberships import approve, membership_of, read_locked, set_status
from forums.services.safeguarding import ADULT_AGE, age_on, needs_parent_consent
from forums.services.seats import faith_seats_full, lock_forum


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


def already_in(forum: Forum, user: User) -> str | None:
    """What to tell someone who asks to join a forum they are in, or have
    asked to join and are waiting for (None: they may ask)."""
    existing = membership_of(user, forum)
    if existing is None or not existing.is_live:
        return None
    if existing.status == MembershipStatus.ACTIVE:
        return _("You are already a member of %(forum)s", forum=forum.name)
    return _("You have already applied to %(forum)s", forum=forum.name)


def apply(forum: Forum, user: User, application: Application, *, today: date | None = None,
          invitation: ForumInvitation | None = None) -> Membership:
    """Ask to join. A young person under 18 also needs their parent or
    carer's consent, which is asked for at once by email. Someone a
    coordinator invited is approved straight away, unless their faith
    community's seats are full (then the coordinators decide)."""
    today = today or date.today()
    lock_forum(forum)  # a double-clicked Apply must not make two
    if invitation is not None:
        check_invitation(invitation, forum, user)
    elif not forum.open_to_apply:
        raise ForumRuleBroken(_("%(forum)s takes members by invitation only. Contact its coordinators.",
                                forum=forum.name))
    already = already_in(forum, user)
    if already:
        raise ForumRuleBroken(already)
    existing = membership_of(user, forum)
    if existing is not None and existing.status == MembershipStatus.REMOVED:
        raise ForumRuleBroken(_("You were removed from %(forum)s. Contact its coordinators to rejoin.",
                                forum=forum.name))
    problems = _application_problems(forum, user, application, today, invited=invitation is not None)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise DomainErrors(problems)
    membership = existing or Membership(forum=forum, user=user)
    set_status(membership, MembershipStatus.APPLIED)
    membership.role = MembershipRole.MEMBER
    membership.reason, membership.organisation = application.reason.strip(), application.organisation.strip()
    membership.partner = partner_named(membership.organisation) or membership.partner
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
        # A parent or carer has no account: they read the language their child uses.
        queue_email(to=membership.parent_email,
                    subject=_l("Your consent for %(name)s to join %(forum)s", name=user.name, forum=forum.name),
                    template="forum_parent_consent", membership=membership, link=consent_link(membership),
                    reply_to=forum.contact_address, about_user_id=user.id, language=user.language)
    audit.record("membership.applied", actor=user, subject=membership, details={"forum": forum.id})
    if invitation is not None:
        invitation.accepted_at = utcnow()
        inviter = db.session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
        if inviter is not None and not faith_seats_full(membership):
            # An imported invitation carries the role and date joined the coordinators' file gave.
            approve(membership, actor=inviter, today=today,
                    role=invitation.role if invitation.imported and invitation.role else MembershipRole.MEMBER,
                    member_since=invitation.joined_on if invitation.imported else None)
    return membership


def _application_problems(forum: Forum, user: User, application: Application, today: date, *,
                          invited: bool = False) -> list[ForumRuleBroken]:
    """Everything the application still needs, all at once, each beside its
    box: a young person on a phone should not find them one submit at a time.
    Someone the coordinators invited is not asked why they want to join."""
    problems = []
    if not invited and not application.reason.strip():
        problems.append(ForumRuleBroken(_("Tell the coordinators why you want to join"), field="reason"))
    if forum.is_interfaith and application.faith is None:
        problems.append(ForumRuleBroken(_("Choose the faith community you represent"), field="faith"))
    if forum.is_youth:
        problems += _youth_problems(forum, user, application, today)
    return problems


def _youth_problems(forum: Forum, user: User, application: Application, today: date) -> list[ForumRuleBroken]:
    born, problems = application.date_of_birth, []
    if born is None:
        problems.append(ForumRuleBroken(_("Enter your date of birth"), field="date_of_birth"))
    elif born >= today:
        problems.append(ForumRuleBroken(_("Date of birth must be in the past"), field="date_of_birth"))
    age = age_on(born, today) if born is not None and born < today else None
    if age is not None and not forum.min_age <= age <= forum.max_age:
        return [ForumRuleBroken(_(
            "%(forum)s is for young people aged %(youngest)d to %(oldest)d, and you are %(age)d. "
            "Ask its coordinators about other ways to take part.", forum=forum.name, youngest=forum.min_age,
            oldest=forum.max_age, age=age), field="date_of_birth")]
    # Without a date of birth, whether a parent or carer must agree turns on
    # the age it will give: ask now, on that condition, unless the forum's
    # ages settle it either way.
    if (forum.min_age if age is None else age) >= ADULT_AGE:
        return problems
    maybe_young = age is None and forum.max_age >= ADULT_AGE
    if not application.parent_name.strip():
        problems.append(ForumRuleBroken(
            _("If you are under 18, enter your parent or carer's name") if maybe_young else
            _("Enter your parent or carer's name"), field="parent_name"))
    if not application.parent_email.strip():
        problems.append(ForumRuleBroken(
            _("If you are under 18, enter your parent or carer's email address") if maybe_young else
            _("Enter your parent or carer's email address"), field="parent_email"))
    elif same_mailbox(application.parent_email, user.email):
        problems.append(ForumRuleBroken(
            _("If you are under 18, enter your parent or carer's own email address, not yours") if maybe_young else
            _("Enter your parent or carer's own email address, not yours"), field="parent_email"))
    return problems


_GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def same_mailbox(one: str, other: str) -> bool:
    """Two addresses that reach the same person's inbox: me+parent@example.org
    is me@example.org (the part after '+' is the owner's own tag), and Gmail
    also ignores dots and answers at googlemail.com. A young person must not
    be able to give their own parent's consent this way."""
    def mailbox(address: str) -> tuple[str, str]:
        local, _at, domain = address.strip().lower().rpartition("@")
        local = local.split("+", 1)[0]
        if domain in _GMAIL_DOMAINS:
            local, domain = local.replace(".", ""), "gmail.com"
        return local, domain
    return mailbox(one) == mailbox(other)


def withdraw_application(membership: Membership, *, actor: User) -> None:
    read_locked(membership)
    if membership.status not in (MembershipStatus.APPLIED, MembershipStatus.AWAITING_CONSENT):
        raise ForumRuleBroken(_("Only an application still being considered can be withdrawn"))
    set_status(membership, MembershipStatus.WITHDRAWN)
    db.session.flush()
    audit.record("membership.withdrawn", actor=actor, subject=membership)
