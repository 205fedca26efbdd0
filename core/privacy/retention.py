"""How long each kind of personal data is kept, and `apply()`, which
`flask --app app apply-retention` runs from cron: what is past its time is
deleted, or kept only as anonymous rows so totals stay true.

Each period is configurable (RETENTION_<KIND>_MONTHS, e.g.
RETENTION_REGISTRATIONS_MONTHS=18) and the privacy notice is written from
the same periods, so the two cannot disagree. Every step is a conditional
UPDATE or DELETE, or takes its account's row with SKIP LOCKED, so running on
several hosts at once, or twice, does no harm and counts nothing twice.

Core keeps the periods and steps for what it holds (accounts, equality
answers, sign-in records, the audit log, emails); each domain registers its
own in its privacy.py (registry.retention_periods, registry.retention_steps,
in the order of their positions): a new table that holds anything about a
person says there how long it is kept and what happens after.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import delete, func, select, update

from core import audit
from core.database import utcnow
from core.extensions import db
from core.i18n import _l, ngettext
from core.models import AuditEntry, BackgroundJob, ImportStatus, OutboxMessage, OutboxStatus, SpreadsheetImport
from core.equality import services as equality
from core.equality.models import EqualityLink, EqualityResponse
from core.accounts.models import User
from core.privacy import erasure, registry

ANONYMOUS = "Name removed"
ANONYMOUS_KEY_PREFIX = "erased:"  # as an erased account's registrations: no one can be found from it


@dataclass(frozen=True)
class Period:
    kind: str
    default_months: int
    # The privacy notice's line, marked for translation (`_l`); {period} is how long, in words.
    notice: str


# Core's own periods; each domain adds its own (registry.retention_periods) between them.
for position, period in (
    (10, Period("accounts", 36, _l("Accounts: until you delete your account, or {period} after you last "
                                   "signed in."))),
    (50, Period("equality_answers", 36, _l("Equality monitoring answers: until you withdraw them or delete your "
                                           "account, or {period} after you last took part."))),
    (60, Period("sign_in_records", 12, _l("Records of signing in: {period}."))),
    (70, Period("audit_log", 72, _l("The record of who changed events, forums and awards: {period}."))),
    (80, Period("emails", 3, _l("Copies of the emails we send you: {period} after sending."))),
    (86, Period("spreadsheet_imports", 3, _l("Spreadsheets uploaded to import people: deleted once imported, or "
                                             "after 7 days if never imported; the summary and the rows refused, "
                                             "{period}."))),
    (85, Period("jobs", 3, _l("The record of long jobs you started (sending a batch of emails, drawing a report): "
                              "{period}; a drawn report's file, 7 days."))),
):
    registry.retention_periods.add(position, period, name=period.kind)


def periods() -> list[Period]:
    return list(registry.retention_periods)


def months(kind: str) -> int:
    """The configured period (config RETENTION_MONTHS, from RETENTION_<KIND>_MONTHS), or the default."""
    by_kind = {period.kind: period for period in periods()}
    chosen = current_app.config["RETENTION_MONTHS"]
    unknown = set(chosen) - set(by_kind)
    if unknown:
        raise ValueError(f"No such retention period: {', '.join(sorted(unknown))} (known: {', '.join(by_kind)})")
    return chosen.get(kind, by_kind[kind].default_months)


def in_words(count: int) -> str:
    if count % 12 == 0:
        return ngettext("%(num)d year", "%(num)d years", count // 12)
    return ngettext("%(num)d month", "%(num)d months", count)


def notice_lines() -> list[str]:
    return [str(period.notice).format(period=in_words(months(period.kind))) for period in periods()]


def cutoff(kind: str, now: datetime) -> datetime:
    return now - relativedelta(months=months(kind))


def apply(now: datetime | None = None) -> dict[str, int]:
    """Apply every period as of `now`; how many records each step touched.
    Run inside write_lock(every_transaction=True): each account is its own
    transaction, and erasing one can move a waiting list."""
    now = now or utcnow()
    done = {}
    for step in registry.retention_steps:
        done.update(step(now))
    if any(done.values()):
        audit.record("retention.applied", details={what: count for what, count in done.items() if count})
    db.session.commit()
    return done


@registry.retention_steps(10)
def _delete_idle_accounts(now: datetime) -> dict[str, int]:
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
    return {"accounts deleted": deleted}


@registry.retention_steps(50)
def _delete_idle_equality_answers(now: datetime) -> dict[str, int]:
    since = cutoff("equality_answers", now)
    # Taking part since (registering for an event, say) keeps the answers: the domains say what counts.
    took_part_since = [took_part(EqualityLink.person_key, since) for took_part in registry.participation]
    idle = select(EqualityLink.subject_id).join(
        EqualityResponse, EqualityResponse.subject_id == EqualityLink.subject_id).where(
        EqualityResponse.updated_at < since, *(~clause for clause in took_part_since))
    subjects = db.session.scalars(idle).all()
    keys = db.session.scalars(select(EqualityLink.person_key).where(EqualityLink.subject_id.in_(subjects))).all()
    db.session.execute(delete(EqualityResponse).where(EqualityResponse.subject_id.in_(subjects)))
    deleted = db.session.execute(delete(EqualityLink).where(EqualityLink.subject_id.in_(subjects))).rowcount
    equality.changed_answers(*keys)
    return {"equality questionnaires deleted": deleted}


@registry.retention_steps(60)
def _delete_old_sign_in_records(now: datetime) -> dict[str, int]:
    return {"sign-in records deleted": db.session.execute(delete(AuditEntry).where(
        AuditEntry.action.like("sign_in.%"), AuditEntry.occurred_at < cutoff("sign_in_records", now))).rowcount}


@registry.retention_steps(70)
def _delete_old_audit_entries(now: datetime) -> dict[str, int]:
    return {"audit entries deleted": db.session.execute(delete(AuditEntry).where(
        AuditEntry.occurred_at < cutoff("audit_log", now))).rowcount}


@registry.retention_steps(80)
def _delete_old_emails(now: datetime) -> dict[str, int]:
    return {"emails deleted": db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)),
        OutboxMessage.created_at < cutoff("emails", now))).rowcount}


JOB_FILES_KEPT = timedelta(days=7)


@registry.retention_steps(85)
def _delete_old_jobs(now: datetime) -> dict[str, int]:
    files = db.session.execute(
        update(BackgroundJob).where(BackgroundJob.file_name.is_not(None), BackgroundJob.finished_at < now - JOB_FILES_KEPT)
        .values(file=None, file_name=None, page=None,
                error="Its file was deleted after 7 days, as drawn reports are. Draw it again from the report.")
    ).rowcount
    return {"job files deleted": files, "jobs deleted": db.session.execute(
        delete(BackgroundJob).where(BackgroundJob.created_at < cutoff("jobs", now))).rowcount}


UPLOADS_KEPT = timedelta(days=7)


@registry.retention_steps(86)
def _delete_old_imports(now: datetime) -> dict[str, int]:
    """An uploaded file never imported goes after 7 days; a finished import's
    summary and refused rows after the period."""
    abandoned = db.session.execute(delete(SpreadsheetImport).where(
        SpreadsheetImport.status.in_((ImportStatus.UPLOADED, ImportStatus.MAPPED)),
        SpreadsheetImport.created_at < now - UPLOADS_KEPT)).rowcount
    return {"uploaded spreadsheets deleted": abandoned, "spreadsheet imports deleted": db.session.execute(
        delete(SpreadsheetImport).where(SpreadsheetImport.status.in_((ImportStatus.DONE, ImportStatus.FAILED)),
                                        SpreadsheetImport.created_at < cutoff("spreadsheet_imports", now))).rowcount}
