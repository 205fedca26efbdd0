"""Inviting someone to join a forum by email (again sends the link again),
the forum's invitations, and the emailed link that brings them to apply.

An invitation approves whoever follows it at once (while their faith
community has seats), so it must not outlive a decision against them: a
coordinators' decline ends every invitation the forum sent the person
(`memberships.decline`), and its link then says it is no longer valid.
Inviting them again afterwards is a new decision, with a new link."""
from flask import url_for
from sqlalchemy import select

from core import audit
from core.accounts.models import User
from core.accounts.services import (
    confirmed_account_with_email, link_token, link_token_data, normalise_email,
)
from core.database import utcnow
from core.email import queue_email
from core.errors import InvalidLink
from core.extensions import db
from core.i18n import _, _l
from forums.models import Forum, ForumInvitation
from forums.services.errors import ForumRuleBroken
from forums.services.memberships import membership_of
from forums.services.seats import lock_forum

_INVITATION_SALT = "forum-invitation"


def invite(forum: Forum, email: str, *, actor: User) -> ForumInvitation:
    """Email someone a link to join. Inviting the same address again sends
    the link again."""
    email = normalise_email(email)
    lock_forum(forum)
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
    queue_email(to=email, subject=_l("You are invited to join %(forum)s", forum=forum.name), template="forum_invitation",
                forum=forum, inviter=actor, link=invitation_link(invitation), reply_to=forum.contact_address)
    audit.record("forum.invitation_sent", actor=actor, subject=forum, details={"email": email})
    return invitation


def withdraw_invitation(invitation: ForumInvitation, *, actor: User) -> None:
    """Take back an invitation nobody has accepted (a wrong address, or a
    spreadsheet imported by mistake): its link stops working and its
    imported details are deleted."""
    lock_forum(invitation.forum)
    if invitation.accepted_at is not None:
        raise ForumRuleBroken(f"{invitation.email} has accepted the invitation already: end their membership "
                              "from the members list instead.")
    audit.record("forum.invitation_withdrawn", actor=actor, subject=invitation.forum,
                 details={"email": invitation.email})
    db.session.delete(invitation)
    db.session.flush()


def invitation_in(forum: Forum, invitation_id: int) -> ForumInvitation | None:
    invitation = db.session.get(ForumInvitation, invitation_id)
    return invitation if invitation is not None and invitation.forum_id == forum.id else None


def invitations_of(forum: Forum) -> list[ForumInvitation]:
    return list(db.session.scalars(select(ForumInvitation).where(ForumInvitation.forum_id == forum.id)
                                   .order_by(ForumInvitation.invited_at.desc())))


def invitation_link(invitation: ForumInvitation) -> str:
    token = link_token(_INVITATION_SALT, {"invitation": invitation.id, "email": invitation.email})
    return url_for("forums.accept_invitation", token=token, _external=True)


def invitation_for_token(token: str) -> ForumInvitation:
    data = link_token_data(_INVITATION_SALT, token)
    invitation = db.session.get(ForumInvitation, data.get("invitation")) if isinstance(data, dict) else None
    if invitation is None or invitation.email != data.get("email"):
        raise InvalidLink(_("This invitation is no longer valid. Ask the forum's coordinators for a new one."))
    return invitation


def is_for(invitation: ForumInvitation, user: User) -> bool:
    """Whether the invitation was sent to the account's own address: only
    then may it show what the coordinator imported about them."""
    return invitation.email == user.email


def check_invitation(invitation: ForumInvitation, forum: Forum, user: User) -> None:
    if invitation.forum_id != forum.id:
        raise ForumRuleBroken(_("This invitation is for another forum"))
    if not is_for(invitation, user):
        raise ForumRuleBroken(_("This invitation was sent to %(email)s. Sign in with the account for that "
                                "address, or ask the coordinators to invite the address you use here.",
                                email=invitation.email))
