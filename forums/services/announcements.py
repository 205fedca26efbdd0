"""A forum's announcements: emailing its active members (or one role), a
few at a time, and keeping the message on the forum page; who a message to
the forum reaches (meetings' emails too); and turning announcement emails
off, from the forum page or the link in each email."""
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import select

from core import audit, progress
from core.accounts.models import User
from core.accounts.services import link_token, link_token_data
from core.database import utcnow
from core.email import queue_email
from core.errors import InvalidLink
from core.extensions import db
from core.i18n import _, ngettext
from events.ical import plain_text
from forums.models import Announcement, Forum, Membership, MembershipRole, MembershipStatus

_ANNOUNCEMENTS_SALT = "forum-announcements-off"


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
    if recipients:
        title = ngettext("Announcement to %(num)d member of %(forum)s: %(subject)s",
                         "Announcement to %(num)d members of %(forum)s: %(subject)s", len(recipients),
                         forum=forum.name, subject=announcement.subject)
        announcement.job_id = progress.start_job(
            owner_id=actor.id, title=title,
            back_url=url_for("forums.forum_page", forum_id=forum.id)).id
    db.session.add(announcement)
    text = plain_text(announcement.body)  # the page shows it formatted; an email shows no Markdown markers
    for n, membership in enumerate(recipients):
        queue_email(to=membership.user.email, subject=f"{forum.name}: {announcement.subject}",
                    template="forum_announcement", announcement=announcement, text=text, forum=forum,
                    membership=membership,
                    stop_link=None if essential else announcements_off_link(membership),
                    send_after=throttled(n, now), job_id=announcement.job_id, reply_to=forum.contact_address)
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
        raise InvalidLink(_("This link is no longer valid: the membership it was for has gone."))
    return membership
