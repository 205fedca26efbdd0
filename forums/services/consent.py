"""A parent or carer's consent for a member under 18, by the link emailed to
them: giving it (never by the young person, and only for
PARENT_CONSENT_LINK_DAYS after the link was sent), withdrawing it (the
membership is suspended at once; an old link still does it), sending the
request again, and their say on photos."""
from datetime import date, timedelta

from flask import current_app, url_for

from core import audit
from core.accounts.models import User
from core.accounts.services import link_token, link_token_data
from core.database import utcnow
from core.email import queue_email
from core.errors import InvalidLink
from core.extensions import db
from core.i18n import _, _l
from forums.models import Membership, MembershipStatus
from forums.services.errors import ForumRuleBroken
from forums.services.memberships import (give_up_members_only_places, read_locked, set_status,
                                         tell_member_approved, tell_member_it_ended)

_CONSENT_SALT = "forum-parent-consent"


def consent_link(membership: Membership, today: date | None = None) -> str:
    token = link_token(_CONSENT_SALT, {"membership": membership.id, "parent": membership.parent_email,
                                       "sent": (today or date.today()).isoformat()})
    return url_for("forums.parent_consent", token=token, _external=True)


def membership_for_consent(token: str) -> Membership:
    data = link_token_data(_CONSENT_SALT, token)
    membership = db.session.get(Membership, data.get("membership")) if isinstance(data, dict) else None
    if membership is None or not membership.parent_email or membership.parent_email != data.get("parent"):
        raise InvalidLink(_("This link is no longer valid. Ask the forum's coordinators for a new one."))
    return membership


def link_gives_consent(token: str, today: date | None = None) -> bool:
    """Whether consent can still be given through this link: sent within
    PARENT_CONSENT_LINK_DAYS (a link from before links carried their date cannot)."""
    data = link_token_data(_CONSENT_SALT, token)
    try:
        sent = date.fromisoformat(data["sent"])
    except (TypeError, KeyError, ValueError):
        return False
    return (today or date.today()) - sent <= timedelta(days=current_app.config["PARENT_CONSENT_LINK_DAYS"])


def give_consent_by_link(token: str, membership: Membership, *, photo_consent: bool, signed_in_as=None) -> None:
    """`give_consent` from the emailed link, refused once the link is too old:
    a forwarded or long-forgotten email cannot make a young person a member."""
    if not link_gives_consent(token):
        raise ForumRuleBroken(_("This link is too old to give consent with. Ask the forum's coordinators to send "
                                "you a new one."))
    give_consent(membership, photo_consent=photo_consent, signed_in_as=signed_in_as)


def give_consent(membership: Membership, *, photo_consent: bool, signed_in_as=None) -> None:
    """The parent or carer agrees, from the emailed link. `signed_in_as`: whoever
    is signed in on that browser, if anyone; never the young person themselves."""
    read_locked(membership)
    if getattr(signed_in_as, "is_authenticated", False) and signed_in_as.id == membership.user_id:
        raise ForumRuleBroken(_("You cannot give consent for yourself. Your parent or carer needs to open the link "
                                "in the email we sent them and agree themselves."))
    if membership.status in (MembershipStatus.DECLINED, MembershipStatus.WITHDRAWN, MembershipStatus.REMOVED):
        raise ForumRuleBroken(_("This application has closed, so there is nothing to consent to"))
    membership.parent_consented_at, membership.parent_consent_withdrawn_at = utcnow(), None
    membership.photo_consent = photo_consent
    started = membership.status == MembershipStatus.AWAITING_CONSENT
    if started:
        set_status(membership, MembershipStatus.ACTIVE)
    db.session.flush()
    audit.record("membership.parent_consented", subject=membership, details={"photo_consent": photo_consent})
    if started:  # their approval email said it starts when the parent agrees: now it has
        tell_member_approved(membership, waiting=False)
    elif membership.status == MembershipStatus.SUSPENDED:  # after withdrawing: the coordinators decide on it
        for coordinator in membership.forum.coordinators:
            queue_email(to=coordinator.email, subject=_l("Consent given again: %(forum)s", forum=membership.forum.name),
                        template="forum_consent_given_again", membership=membership,
                        link=url_for("forums.membership", forum_id=membership.forum_id, membership_id=membership.id,
                                     _external=True))


def withdraw_consent(membership: Membership) -> MembershipStatus:
    """The parent or carer changes their mind: membership is suspended at
    once (an application still waiting for the coordinators just loses the
    consent). Returns the membership's status after."""
    read_locked(membership)
    if membership.parent_consent_withdrawn_at is not None:  # a second tab, or the button pressed again
        raise ForumRuleBroken(_("You have already withdrawn your consent."))
    suspending = membership.status in (MembershipStatus.ACTIVE, MembershipStatus.AWAITING_CONSENT)
    membership.parent_consent_withdrawn_at, membership.photo_consent = utcnow(), False
    if suspending:
        set_status(membership, MembershipStatus.SUSPENDED)
    elif membership.status == MembershipStatus.APPLIED:
        membership.parent_consented_at = None
    db.session.flush()
    audit.record("membership.parent_consent_withdrawn", subject=membership)
    if suspending:
        tell_member_it_ended(membership, "consent withdrawn", give_up_members_only_places(membership, actor=None))
    if membership.status == MembershipStatus.SUSPENDED:  # by this, or by a coordinator before: they decide on it
        for coordinator in membership.forum.coordinators:
            queue_email(to=coordinator.email, subject=_l("Consent withdrawn: %(forum)s", forum=membership.forum.name),
                        template="forum_consent_withdrawn", membership=membership)
    return membership.status


def resend_consent_request(membership: Membership, *, actor: User) -> None:
    """The parent or carer lost the email: send the same request again."""
    read_locked(membership)
    if not membership.parent_email or membership.status not in (
            MembershipStatus.APPLIED, MembershipStatus.AWAITING_CONSENT, MembershipStatus.SUSPENDED):
        raise ForumRuleBroken("Only an application, or a membership suspended, waiting for a parent or carer can be "
                              "sent again")
    if membership.parent_consented_at is not None and membership.parent_consent_withdrawn_at is None:
        raise ForumRuleBroken("Their parent or carer has already agreed")
    queue_email(to=membership.parent_email,
                subject=_l("Your consent for %(name)s to join %(forum)s", name=membership.user.name,
                           forum=membership.forum.name), template="forum_parent_consent", membership=membership,
                link=consent_link(membership), reply_to=membership.forum.contact_address,
                about_user_id=membership.user_id, language=membership.user.language)
    audit.record("membership.consent_request_resent", actor=actor, subject=membership)


def record_photo_consent(membership: Membership, photo_consent: bool, *, actor: User) -> None:
    """A parent or carer (or the member, if 18 or over) told the coordinator
    they changed their mind about photos."""
    read_locked(membership)
    if photo_consent and membership.parent_consent_withdrawn_at is not None:
        raise ForumRuleBroken("Their parent or carer has withdrawn their consent: photos stay off until they consent "
                              "again")
    membership.photo_consent = photo_consent
    db.session.flush()
    audit.record("membership.photo_consent_changed", actor=actor, subject=membership,
                 details={"photo_consent": photo_consent})
