"""Email through a durable outbox, sent by the job queue.

`queue_email` writes the message in the caller's transaction, so an email
exists exactly when the change that caused it is committed. Once the request
commits, `send-mail` jobs are queued (core.jobs); a worker sends due messages
oldest first over one connection to the mail server, a batch at a time, and
the scheduler's `sweep-mail` sends anything left over every minute (the
queue was down, a worker died, a retry's time has come). Each message is
claimed with one conditional update before it is sent, so two workers never
send the same one: a message whose send was interrupted stays 'sending' for
an admin to check (Admin > Email delivery) rather than going out twice.
Failures back off and, after MAIL_MAX_ATTEMPTS, are parked as failed with
their reason for an admin to retry.
"""
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_mailman import EmailMessage
from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.orm import Session

from core import audit, jobs, observability
from core.i18n import in_language
from core.registry import Slot
from core.database import utcnow, write_lock
from core.errors import DomainError
from core.extensions import db, mail
from core.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

_PENDING_KEY = "outbox_flushed_ids"
_COMMITTED_KEY = "outbox_committed_ids"
MAX_BACKOFF = timedelta(hours=6)
# A claim this old belongs to a sender that died: any send gives up long before (MAIL_TIMEOUT).
INTERRUPTED_AFTER = timedelta(minutes=15)


# What knows the language an address reads (core.accounts: the language its account chose).
language_finders = Slot("the language an address reads")


def recipient_language(address: str, fallback: str | None = None) -> str | None:
    """The language to write to `address` in: its account's choice, else
    `fallback` (the language the person used when they gave the address)."""
    for find in language_finders:
        found = find(address)
        if found:
            return found
    return fallback


def queue_email(*, to: str, subject: str, template: str, attachments: list[dict] | None = None,
                send_after: datetime | None = None, reply_to: str | None = None,
                job_id: int | None = None, about_user_id: int | None = None, language: str | None = None,
                headers: dict[str, str] | None = None, **context) -> OutboxMessage:
    """Render templates/email/<template>.txt and add it to the outbox.
    `attachments` are text files: {"filename", "content_type", "content"}.
    `reply_to` is the person a reply should reach, for an email that invites
    one; `about_user_id` whom it is about when not its recipient (a
    parent's consent request: its child); `job_id` the batch (core.progress) whose page shows how far its sending has got.
    A message to go later (`send_after`, for throttling) waits for the worker's sweep.
    It is written in the recipient's language (`recipient_language`, with
    `language` as the fallback), whoever's request sends it: `subject` may be
    a lazy string (`_l`), made into text in that language here. `headers`
    are extra ones it carries (List-Unsubscribe: core.unsubscribes)."""
    with in_language(recipient_language(to, language)):
        body = render_template(f"email/{template}.txt", **context)
        subject = str(subject)
    message = OutboxMessage(recipient=to, subject=subject, body=body, attachments=attachments or [],
                            next_attempt_at=send_after or utcnow(), reply_to=reply_to, job_id=job_id,
                            about_user_id=about_user_id, headers=headers or None)
    db.session.add(message)
    return message


def throttled(n: int, now: datetime, per_minute: int) -> datetime:
    """When the n-th (from 0) email of a batch may leave: `per_minute` at a
    time, so a large send does not flood the mail server."""
    return now + timedelta(minutes=n // max(per_minute, 1))


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes after each failed attempt, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0

    @property
    def tried(self) -> int:
        return self.sent + self.failed

    def __str__(self) -> str:
        return f"sent {self.sent}; failed {self.failed} (gave up on {self.gave_up})"


def deliver_due(*, limit: int | None = None) -> DeliveryReport:
    """Send due messages, oldest first, over one connection to the mail
    server, until none is due or `limit` have been tried.

    Runs outside any request's transaction: each claim and each result is a
    short transaction of its own, and nothing is held while the mail server
    is talked to. A failed send closes the connection, so the next message
    opens a fresh one.
    """
    db.session.commit()
    report = DeliveryReport()
    connection = mail.get_connection()
    try:
        while limit is None or report.tried < limit:
            message = _claim_next()
            if message is None:
                break
            try:
                connection.open()  # once for the batch: an open connection stays open; a closed one reopens
                _email(message, connection).send()
            except Exception as error:  # any transport failure: retry later
                connection.close()
                if _record_failure(message["id"], error) == OutboxStatus.FAILED:
                    report.gave_up += 1
                report.failed += 1
            else:
                _record_result(message["id"], status=OutboxStatus.SENT, sent_at=utcnow())
                report.sent += 1
    finally:
        connection.close()
    return report


def _email(message: dict, connection) -> EmailMessage:
    email = EmailMessage(subject=message["subject"], body=message["body"], connection=connection,
                         from_email=current_app.config["MAIL_DEFAULT_SENDER"], to=[message["recipient"]],
                         reply_to=[message["reply_to"]] if message["reply_to"] else None,
                         headers=message["headers"] or None)
    for attachment in message["attachments"] or []:
        email.attach(attachment["filename"], attachment["content"], attachment["content_type"])
    return email


def _claim_next() -> dict | None:
    """Mark the oldest due message as being sent and return what to send;
    None when nothing is due. Two workers never claim the same message: the
    update only takes a message still pending (PostgreSQL skips one another
    worker is claiming; SQLite's write lock lets one claim at a time)."""
    oldest_due = (select(OutboxMessage.id)
                  .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= utcnow())
                  .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1)
                  .with_for_update(skip_locked=True))
    with write_lock():
        row = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == oldest_due.scalar_subquery(), OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, claimed_at=utcnow())
            .returning(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body,
                       OutboxMessage.attachments, OutboxMessage.reply_to, OutboxMessage.headers)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        db.session.commit()
    return row._asdict() if row else None


def _record_result(message_id: int, **values) -> None:
    with write_lock():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
                           .execution_options(synchronize_session=False))
        db.session.commit()


def _record_failure(message_id: int, error: Exception) -> OutboxStatus:
    with write_lock():
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        message.attempts += 1
        # Kept for admins, with no address in it: a relay's refusal names the recipient, who may be a young member.
        message.last_error = observability.screened(f"{type(error).__name__}: {error}")[:2000]
        if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            message.status = OutboxStatus.FAILED
            log.error("Gave up sending email %s after %s attempts: %s", message.id, message.attempts,
                      type(error).__name__)
        else:
            message.status = OutboxStatus.PENDING
            message.next_attempt_at = utcnow() + backoff(message.attempts)
            log.warning("Email %s failed (%s); retrying later", message.id, type(error).__name__)
        status = message.status
        db.session.commit()
    return status


def _interrupted():
    """Messages claimed but never marked sent, long after any send would
    have finished: a sender died mid-send, so whether it arrived is unknown."""
    return and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < utcnow() - INTERRUPTED_AFTER)


def interrupted_count() -> int:
    return db.session.scalar(select(func.count()).where(_interrupted()))


def held_for_a_person(limit: int = 200) -> list[OutboxMessage]:
    """What an admin must look at, newest first: messages parked after
    failing MAIL_MAX_ATTEMPTS times, with the reason, and messages whose
    sending was interrupted."""
    return list(db.session.scalars(
        select(OutboxMessage).where(or_(OutboxMessage.status == OutboxStatus.FAILED, _interrupted()))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)))


def waiting_count() -> int:
    return db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING))


def send_again(message_id: int, *, actor) -> None:
    """An admin's retry of a parked or interrupted message: back in the queue
    with its attempts counted afresh (the last error kept until it goes)."""
    again = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, or_(OutboxMessage.status == OutboxStatus.FAILED, _interrupted()))
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow(), claimed_at=None)
        .execution_options(synchronize_session=False)).rowcount
    if not again:
        raise DomainError("This email is no longer waiting for you: it has been sent, or is being sent again")
    db.session.info.setdefault(_PENDING_KEY, set()).add(message_id)  # sent straight after the commit
    audit.record("email.sent_again", actor=actor, details={"message": message_id})


# Track outbox rows committed by the current session, so the request can queue
# their sending as soon as its transaction is durable.
@event.listens_for(Session, "after_flush")
def _note_flushed_messages(session, flush_context):
    ids = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if ids:
        session.info.setdefault(_PENDING_KEY, set()).update(ids)


@event.listens_for(Session, "after_commit")
def _note_committed_messages(session):
    pending = session.info.pop(_PENDING_KEY, None)
    if pending:
        session.info.setdefault(_COMMITTED_KEY, set()).update(pending)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_messages(session, previous_transaction):
    session.info.pop(_PENDING_KEY, None)


def send_committed_messages() -> None:
    """After a request commits: queue a sending job for each batch of emails
    it wrote, so several workers share a large send. Should queueing fail,
    the messages wait in the outbox for the scheduler's sweep."""
    count = len(db.session.info.pop(_COMMITTED_KEY, ()))
    for _ in range(math.ceil(count / current_app.config["MAIL_BATCH_SIZE"])):
        if not jobs.queue().enqueue("send-mail"):
            return


def _send_a_batch() -> str | None:
    report = deliver_due(limit=current_app.config["MAIL_BATCH_SIZE"])
    return str(report) if report.tried else None


def _sweep() -> str | None:
    """Everything due, and a warning for messages whose sending was interrupted."""
    report = deliver_due()
    stuck = interrupted_count()
    if stuck:
        log.warning("%s email(s) were interrupted while sending and need checking (Admin > Email delivery)", stuck)
    return str(report) if report.tried else None


jobs.register(10, "send-mail", _send_a_batch, priority=jobs.MAIL_PRIORITY)
jobs.register(11, "sweep-mail", _sweep, schedule={}, priority=jobs.MAIL_PRIORITY)
