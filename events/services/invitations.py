"""Invitations to an event: sending them, their links, and checking one used
to register.

Functions flush but never commit.
"""
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from core.content_languages import lazily
from core import audit, progress
from core.database import utcnow
from core.email import queue_email
from core.errors import InvalidLink
from core.formatting import masked_address
from core.i18n import _, _l, ngettext
from core.models import BackgroundJob
from core.extensions import db
from core.accounts.models import User
from core.accounts.services import link_token, link_token_data, normalise_email
from core.people.services import proven_addresses
from events.models import Event, EventInvitation, EventStatus
from events.services.errors import AlreadyRegistered, EventRuleBroken, NotOpenToYou
from events.services.places import _lock


_INVITATION_SALT = "event-invitation"


@dataclass
class InvitationResult:
    invited: list[EventInvitation]
    already_invited: list[str]
    # Sending the invitations, whose page shows how many have gone; None when nobody new was invited.
    job: BackgroundJob | None = None


def invite(event: Event, people: list[tuple[str, str]], *, actor: User) -> InvitationResult:
    """Invite (name, email) pairs, emailing each a link to register. People
    invited before are not emailed again (`already_invited`); an address
    given twice here (in any case) is one person, invited once."""
    if event.status == EventStatus.CANCELLED or event.ends_at <= utcnow():
        raise EventRuleBroken("You cannot invite people to an event that is cancelled or over")
    _lock(event)  # a double-clicked send finds the first one's invitations, not a duplicate
    before = set(db.session.scalars(select(EventInvitation.email).where(EventInvitation.event_id == event.id)))
    result = InvitationResult([], [])
    seen = set()
    for name, email in people:
        email = normalise_email(email)
        if email in seen:
            continue
        seen.add(email)
        if email in before:
            result.already_invited.append(email)
            continue
        if result.job is None:
            result.job = progress.start_job(owner_id=actor.id, title=f"Invitations to {event.title}",  # counted below
                                            back_url=url_for("events.invitations", event_id=event.id))
        invitation = EventInvitation(event_id=event.id, email=email, name=name.strip(), invited_by_id=actor.id)
        db.session.add(invitation)
        db.session.flush()
        queue_email(to=email, subject=_l("You're invited: %(event)s", event=lazily(event, "title")), template="event_invitation",
                    event=event, invitation=invitation, inviter=actor, link=invitation_link(invitation),
                    job_id=result.job.id, reply_to=event.contact_email)
        result.invited.append(invitation)
    if result.job is not None:
        progress.retitle(result.job, ngettext("%(num)d invitation to %(event)s", "%(num)d invitations to %(event)s",
                                              len(result.invited), event=event.title))
    audit.record("event.invited", actor=actor, subject=event, details={"invited": len(result.invited)})
    return result


def invitations_of(event: Event) -> list[EventInvitation]:
    return list(db.session.scalars(select(EventInvitation).where(EventInvitation.event_id == event.id)
                                   .order_by(EventInvitation.created_at, EventInvitation.id)))


def invitation_link(invitation: EventInvitation) -> str:
    """Invitation links carry no time: they work while the event takes registrations."""
    token = link_token(_INVITATION_SALT, {"invitation": invitation.id, "email": invitation.email})
    return url_for("events.register", event_id=invitation.event_id, invitation=token, _external=True)


def invitation_for_token(token: str, event: Event) -> EventInvitation:
    problem = _("This invitation link is not valid. Check you copied the whole link from the email.")
    data = link_token_data(_INVITATION_SALT, token, invalid=problem)
    invitation = db.session.get(EventInvitation, data.get("invitation")) if isinstance(data, dict) else None
    if invitation is None or invitation.event_id != event.id or invitation.email != data.get("email"):
        raise InvalidLink(problem)
    return invitation


def _check_invitation(invitation: EventInvitation, event: Event, *, user: User | None, email: str) -> None:
    if invitation.event_id != event.id:
        raise NotOpenToYou(_("This invitation is for another event"))
    if invitation.is_used:
        raise AlreadyRegistered(_("This invitation has already been used to register. Check your email for the "
                                  "link to view or cancel that registration."))
    if user is None and normalise_email(email) != invitation.email:
        raise NotOpenToYou(_("Use the email address your invitation was sent to"), field="email")
    # A forwarded link is no ticket for another account: it would use up the invitee's place on the list.
    if user is not None and invitation.email not in proven_addresses(user):
        raise NotOpenToYou(_("This invitation was sent to %(address)s, which is not an address of your account. "
                             "Sign out and register with that address, or ask the organiser to invite the "
                             "address you use here.", address=masked_address(invitation.email)))
