"""A forum's announcements: emailing its active members (or one role), a
few at a time, and keeping the message on the forum page; who a message to
the forum reaches (meetings' emails too); and turning announcement emails
off, from the forum page or the unsubscribe link (and List-Unsubscribe
headers) in each non-essential email (core.unsubscribes, scope
"forum:<id>"). A coordinator previews an announcement before sending it;
only a previewed announcement is sent: the preview's draft is minted and
signed by the server for this forum and this message (core.drafts), and its
one-time key makes a second press send nothing."""
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import func, select

from core import audit, drafts, email, progress, unsubscribes
from core.accounts.models import User
from core.accounts.services import link_token_data
from core.database import lock_row, utcnow
from core.email import queue_email
from core.errors import DomainError, InvalidLink
from core.extensions import db
from core.i18n import _, ngettext
from events.ical import plain_text
from forums.models import Announcement, Forum, Membership, MembershipRole

_ANNOUNCEMENTS_SALT = "forum-announcements-off"


class AnnouncementError(DomainError):
    """An announcement that cannot be sent as asked."""


def announce(forum: Forum, *, subject: str, body: str, role: MembershipRole | None, essential: bool,
             actor: User, now: datetime | None = None, draft: str | None = None) -> Announcement:
    """Email the forum's active members (or those in one role) and keep the
    message on the forum page. Members who turned announcements off get only
    essential ones. Messages leave the outbox FORUM_ANNOUNCEMENTS_PER_MINUTE
    at a time; the outbox retries failures and never sends one twice. At
    most MESSAGES_PER_DAY a day per forum. From the pages, `draft` is the
    preview's (new_draft): one not minted for this forum and this message as
    it is now is refused (NotPreviewed), and a preview sends once. The
    kernel's own callers (the demo data) send without one."""
    now = now or utcnow()
    key = None if draft is None else drafts.key_of(draft, _scope(forum), _previewed(subject, body, role, essential))
    lock_row(db.session, Forum, forum.id)  # one send at a time per forum: the draft and the day's count hold
    if key is not None and _sent_with_key(key) is not None:
        raise AnnouncementError("This announcement has been sent already, so it was not sent again.")
    per_day = current_app.config["MESSAGES_PER_DAY"]
    if db.session.scalar(select(func.count()).select_from(Announcement).where(
            Announcement.forum_id == forum.id, Announcement.sent_at > now - timedelta(days=1))) >= per_day:
        raise AnnouncementError(f"The forum has sent {per_day} announcements in the last 24 hours, the most "
                                "allowed. Send this one later, or put it together with the next.")
    recipients = members_to_email(forum, role=role, essential=essential)
    announcement = Announcement(forum_id=forum.id, subject=subject.strip(), body=body.strip(), role=role,
                                essential=essential, recipients=len(recipients), sent_by_id=actor.id, sent_at=now,
                                draft=key)
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
                    headers=None if essential else unsubscribes.headers(membership.user.email, scope_of(forum.id)),
                    send_after=throttled(n, now), job_id=announcement.job_id, reply_to=forum.contact_address)
    db.session.flush()
    audit.record("forum.announcement_sent", actor=actor, subject=forum,
                 details={"announcement": announcement.id, "recipients": len(recipients)})
    return announcement


def members_to_email(forum: Forum, *, role: MembershipRole | None = None,
                     essential: bool = False) -> list[Membership]:
    """The forum's active members (or those in one role) that a message to
    the forum reaches: those who turned its emails off get only essential ones,
    and lapsed members none (renewal reminders are theirs: forums.services.renewal)."""
    query = select(Membership).join(Membership.user).where(Membership.forum_id == forum.id,
                                                           Membership.taking_part(date.today()))
    if role is not None:
        query = query.where(Membership.role == role)
    if not essential:
        query = query.where(Membership.announcement_emails.is_(True))
    return list(db.session.scalars(query.order_by(User.name, Membership.id)))


def throttled(n: int, now: datetime) -> datetime:
    """When the n-th (from 0) of a batch of emails to members may leave:
    FORUM_ANNOUNCEMENTS_PER_MINUTE at a time (core.email.throttled)."""
    return email.throttled(n, now, current_app.config["FORUM_ANNOUNCEMENTS_PER_MINUTE"])


def announcements_of(forum: Forum, limit: int = 10) -> list[Announcement]:
    return list(db.session.scalars(select(Announcement).where(Announcement.forum_id == forum.id)
                                   .order_by(Announcement.sent_at.desc(), Announcement.id.desc()).limit(limit)))


def _scope(forum: Forum) -> str:
    return f"forum:{forum.id}"


def _previewed(subject: str, body: str, role: MembershipRole | None, essential: bool) -> list:
    """What a preview shows and Send must match: the text, whom it goes to, whether essential."""
    return [subject.strip(), body.strip(), role.value if role else "", bool(essential)]


def new_draft(forum: Forum, *, subject: str, body: str, role: MembershipRole | None, essential: bool,
              draft: str | None = None) -> str:
    """The signed draft a preview's Send button carries: `draft` again when
    it is this message's (previewed twice unchanged), else a new one."""
    return drafts.kept_or_minted(draft, _scope(forum), _previewed(subject, body, role, essential))


def sent_with_draft(forum: Forum, draft: str | None, *, subject: str, body: str, role: MembershipRole | None,
                    essential: bool) -> Announcement | None:
    """The announcement this preview of this message sent already, if any."""
    try:
        key = drafts.key_of(draft, _scope(forum), _previewed(subject, body, role, essential))
    except drafts.NotPreviewed:
        return None
    return _sent_with_key(key)


def _sent_with_key(key: str) -> Announcement | None:
    return db.session.scalar(select(Announcement).where(Announcement.draft == key))


def set_announcement_emails(membership: Membership, wanted: bool) -> None:
    """From the forum page (or an old emailed link): the record of who
    unsubscribed (core.unsubscribes) follows the membership's setting."""
    membership.announcement_emails = wanted
    email, scope = membership.user.email, scope_of(membership.forum_id)
    if wanted:
        unsubscribes.resubscribe(email, scope, user=membership.user)
    else:
        unsubscribes.unsubscribe(email, scope)
    db.session.flush()
    audit.record("membership.announcement_emails", subject=membership, details={"wanted": wanted})


def scope_of(forum_id: int) -> str:
    return f"forum:{forum_id}"


def announcements_off_link(membership: Membership) -> str:
    """The unsubscribe link in a forum's emails that are not essential."""
    return unsubscribes.link(membership.user.email, scope_of(membership.forum_id))


def _forum_named(detail: str | None) -> Forum | None:
    return db.session.get(Forum, int(detail)) if detail and detail.isdigit() else None


def _describe(detail: str | None) -> str | None:
    forum = _forum_named(detail)
    return None if forum is None else _("announcements from %(forum)s that are not essential", forum=forum.name)


def _memberships_of(email: str, detail: str | None) -> list[Membership]:
    return list(db.session.scalars(select(Membership).join(Membership.user).where(
        Membership.forum_id == int(detail), func.lower(User.email) == email.strip().lower())))


def _turned_off(email: str, detail: str | None) -> None:
    for membership in _memberships_of(email, detail):
        membership.announcement_emails = False
    db.session.flush()


def _turned_on(email: str, detail: str | None, user) -> None:
    for membership in _memberships_of(email, detail):
        membership.announcement_emails = True
    db.session.flush()


unsubscribes.register_scope(unsubscribes.Scope("forum", _describe, _turned_off, _turned_on))


def membership_for_announcements_off(token: str) -> Membership:
    """The membership an announcement email's link named before the links
    became core.unsubscribes' (emails already sent still carry them)."""
    membership_id = link_token_data(_ANNOUNCEMENTS_SALT, token)
    membership = db.session.get(Membership, membership_id) if isinstance(membership_id, int) else None
    if membership is None:
        raise InvalidLink(_("This link is no longer valid: the membership it was for has gone."))
    return membership
