"""A membership's yearly term: when renewal is due (within the notice
period, or lapsed), renewing it, and the reminders sent once per term."""
from datetime import date, timedelta

from flask import current_app, url_for
from sqlalchemy import select, update

from core import audit
from core.accounts.models import User
from core.database import lock_row, utcnow
from core.email import queue_email
from core.extensions import db
from core.i18n import _, _l
from forums.models import Membership, MembershipStatus
from forums.services.errors import ForumRuleBroken
from forums.services.memberships import TERM


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
        raise ForumRuleBroken(_("Your membership is not due for renewal yet") if membership.status ==
                              MembershipStatus.ACTIVE else _("Only an active membership can be renewed"))
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
        queue_email(to=membership.user.email, subject=_l("Renew your membership of %(forum)s",
                                                                   forum=membership.forum.name),
                    template="forum_renewal_reminder", membership=membership,
                    link=url_for("forums.forum_page", forum_id=membership.forum_id, _external=True),
                    reply_to=membership.forum.contact_address)
        sent += 1
    db.session.flush()
    return sent
