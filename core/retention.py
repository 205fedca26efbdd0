"""How long each kind of personal data is kept, and `apply()`, which
`flask --app app apply-retention` runs from cron: what is past its time is
deleted, or kept only as anonymous rows so totals stay true.

Each period is configurable (RETENTION_<KIND>_MONTHS, e.g.
RETENTION_REGISTRATIONS_MONTHS=18) and the privacy notice is written from
the same periods, so the two cannot disagree. Every step is a conditional
UPDATE or DELETE, or takes its account's row with SKIP LOCKED, so running on
several hosts at once, or twice, does no harm and counts nothing twice.
"""
from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import String, cast, delete, exists, func, literal, select, update

from core import audit, erasure
from core.database import utcnow
from core.extensions import db
from core.models import AuditEntry, EqualityLink, EqualityResponse, OutboxMessage, OutboxStatus, User
from awards.models import ON_SHORTLIST, AwardCycle, AwardCategory, Decision, Nomination, Referee, ScoreSheet
from events.models import Attendance, Event, Registration, RegistrationAnswer
from forums.models import Membership, MembershipStatus

ANONYMOUS = "Name removed"
ANONYMOUS_KEY_PREFIX = "erased:"  # as an erased account's registrations: no one can be found from it
ENDED_MEMBERSHIPS = (MembershipStatus.DECLINED, MembershipStatus.REMOVED, MembershipStatus.WITHDRAWN)


@dataclass(frozen=True)
class Period:
    kind: str
    default_months: int
    notice: str  # the privacy notice's line; {period} is how long, in words


PERIODS = (
    Period("accounts", 36, "Accounts: until you delete your account, or {period} after you last signed in."),
    Period("registrations", 24, "Event registrations and attendance: {period} after the event, then kept only as "
                                "anonymous totals."),
    Period("forum_memberships", 72, "Forum memberships that were declined, withdrawn or ended by the forum: "
                                    "{period} after, because forums keep records of who decided what."),
    Period("nominations", 36, "Award nominations and scores: {period} after the winners are announced; after "
                              "that only the shortlist stays on record, without anyone's contact details."),
    Period("equality_answers", 36, "Equality monitoring answers: until you withdraw them or delete your account, "
                                   "or {period} after you last took part."),
    Period("sign_in_records", 12, "Records of signing in: {period}."),
    Period("audit_log", 72, "The record of who changed events, forums and awards: {period}."),
    Period("emails", 3, "Copies of the emails we send you: {period} after sending."),
)
BY_KIND = {period.kind: period for period in PERIODS}


def months(kind: str) -> int:
    """The configured period (config RETENTION_MONTHS, from RETENTION_<KIND>_MONTHS), or the default."""
    chosen = current_app.config["RETENTION_MONTHS"]
    unknown = set(chosen) - set(BY_KIND)
    if unknown:
        raise ValueError(f"No such retention period: {', '.join(sorted(unknown))} (known: {', '.join(BY_KIND)})")
    return chosen.get(kind, BY_KIND[kind].default_months)


def in_words(count: int) -> str:
    if count % 12 == 0:
        years = count // 12
        return "1 year" if years == 1 else f"{years} years"
    return "1 month" if count == 1 else f"{count} months"


def notice_lines() -> list[str]:
    return [period.notice.format(period=in_words(months(period.kind))) for period in PERIODS]


def cutoff(kind: str, now: datetime) -> datetime:
    return now - relativedelta(months=months(kind))


def apply(now: datetime | None = None) -> dict[str, int]:
    """Apply every period as of `now`; how many records each step touched.
    Run inside write_lock(every_transaction=True): each account is its own
    transaction, and erasing one can move a waiting list."""
    now = now or utcnow()
    done = {"accounts deleted": _delete_idle_accounts(now)}
    done["registrations made anonymous"] = _anonymise_registrations(now)
    done["walk-in names removed"] = _remove_walk_in_names(now)
    done["forum memberships deleted"] = _delete_ended_memberships(now)
    done.update(_retire_nominations(now))
    done["equality questionnaires deleted"] = _delete_idle_equality_answers(now)
    done["sign-in records deleted"] = db.session.execute(delete(AuditEntry).where(
        AuditEntry.action.like("sign_in.%"), AuditEntry.occurred_at < cutoff("sign_in_records", now))).rowcount
    done["audit entries deleted"] = db.session.execute(delete(AuditEntry).where(
        AuditEntry.occurred_at < cutoff("audit_log", now))).rowcount
    done["emails deleted"] = db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)),
        OutboxMessage.created_at < cutoff("emails", now))).rowcount
    if any(done.values()):
        audit.record("retention.applied", details={what: count for what, count in done.items() if count})
    db.session.commit()
    return done


def _delete_idle_accounts(now: datetime) -> int:
    idle = select(User.id).where(func.coalesce(User.last_signed_in_at, User.created_at) < cutoff("accounts", now))
    deleted = 0
    for user_id in db.session.scalars(idle).all():
        user = db.session.scalar(select(User).where(User.id == user_id).with_for_update(skip_locked=True))
        if user is None or erasure.reasons_to_wait(user):
            db.session.rollback()
            continue  # another host has it, or it must wait (the only admin, a judge mid-judging)
        erasure.erase(user)
        db.session.commit()
        deleted += 1
    return deleted


def _old_events(kind: str, now: datetime):
    return select(Event.id).where(Event.ends_at < cutoff(kind, now))


def _anonymise_registrations(now: datetime) -> int:
    old = (Registration.event_id.in_(_old_events("registrations", now)),
           ~Registration.person_key.startswith(ANONYMOUS_KEY_PREFIX))
    db.session.execute(delete(RegistrationAnswer).where(RegistrationAnswer.registration_id.in_(
        select(Registration.id).where(*old))))
    return db.session.execute(update(Registration).where(*old).values(
        user_id=None, name=ANONYMOUS, email="", access_needs="", dietary_needs="", contact_consent=False,
        person_key=literal(ANONYMOUS_KEY_PREFIX) + cast(Registration.id, String)),
        execution_options={"synchronize_session": False}).rowcount


def _remove_walk_in_names(now: datetime) -> int:
    return db.session.execute(update(Attendance).where(
        Attendance.event_id.in_(_old_events("registrations", now)), Attendance.registration_id.is_(None),
        Attendance.walk_in_name != ANONYMOUS).values(walk_in_name=ANONYMOUS)).rowcount


def _delete_ended_memberships(now: datetime) -> int:
    return db.session.execute(delete(Membership).where(
        Membership.status.in_(ENDED_MEMBERSHIPS), Membership.updated_at < cutoff("forum_memberships", now))).rowcount


def _retire_nominations(now: datetime) -> dict[str, int]:
    """Cycles announced long enough ago keep only their shortlist, without contact details or scores."""
    old = Nomination.category_id.in_(select(AwardCategory.id).join(AwardCycle, AwardCycle.id == AwardCategory.cycle_id)
                                     .where(AwardCycle.announce_at < cutoff("nominations", now)))
    shortlisted = Nomination.id.in_(select(Decision.nomination_id).where(Decision.outcome.in_(ON_SHORTLIST)))
    deleted = db.session.execute(delete(Nomination).where(old, ~shortlisted)).rowcount
    kept = select(Nomination.id).where(old)
    db.session.execute(delete(ScoreSheet).where(ScoreSheet.nomination_id.in_(kept)))
    db.session.execute(delete(Referee).where(Referee.nomination_id.in_(kept)))
    anonymised = db.session.execute(update(Nomination).where(old, Nomination.nominator_email != "").values(
        nominator_id=None, nominator_name=ANONYMOUS, nominator_email="", nominator_phone="", nominee_email="",
        nominee_phone=""), execution_options={"synchronize_session": False}).rowcount
    return {"nominations deleted": deleted, "shortlisted nominations made anonymous": anonymised}


def _delete_idle_equality_answers(now: datetime) -> int:
    since = cutoff("equality_answers", now)
    took_part_since = exists().where(Registration.person_key == EqualityLink.person_key,
                                     Registration.created_at >= since)
    idle = select(EqualityLink.subject_id).join(
        EqualityResponse, EqualityResponse.subject_id == EqualityLink.subject_id).where(
        EqualityResponse.updated_at < since, ~took_part_since)
    subjects = db.session.scalars(idle).all()
    db.session.execute(delete(EqualityResponse).where(EqualityResponse.subject_id.in_(subjects)))
    return db.session.execute(delete(EqualityLink).where(EqualityLink.subject_id.in_(subjects))).rowcount
