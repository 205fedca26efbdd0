"""Email through a durable outbox.

`queue_email` writes the message in the caller's transaction, so an email
exists exactly when the change that caused it is committed. Messages go out
right after the request commits and, for anything left over (SMTP down, a
crash), from the cron-safe `flask send-mail` command. Each message is claimed
with an atomic update before it is handed to the mail backend, so two senders
never send the same message: a message whose send was interrupted stays
'sending' for a person to check rather than going out twice.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_mailman import EmailMessage
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from core.database import utcnow, write_lock
from core.extensions import db
from core.models import BackgroundJob, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

_PENDING_KEY = "outbox_flushed_ids"
_COMMITTED_KEY = "outbox_committed_ids"
MAX_BACKOFF = timedelta(hours=6)


def queue_email(*, to: str, subject: str, template: str, attachments: list[dict] | None = None,
                send_after: datetime | None = None, reply_to: str | None = None,
                job: BackgroundJob | None = None, **context) -> OutboxMessage:
    """Render templates/email/<template>.txt and add it to the outbox.
    `attachments` are text files: {"filename", "content_type", "content"}.
    `reply_to` is the person a reply should reach, for an email that invites
    one; `job` the batch whose page shows how far its sending has got.
    A message to go later (`send_after`, for throttling) waits for the worker's sweep."""
    body = render_template(f"email/{template}.txt", **context)
    message = OutboxMessage(recipient=to, subject=subject, body=body, attachments=attachments or [],
                            next_attempt_at=send_after or utcnow(), reply_to=reply_to, job=job)
    db.session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes after each failed attempt, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0


def deliver_due(*, ids=None, limit: int = 200) -> DeliveryReport:
    """Send pending messages whose time has come (optionally only `ids`).

    Runs outside any request's transaction: each claim and each result is a
    short transaction of its own, and nothing is held while the mail server
    is talked to.
    """
    db.session.commit()
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    due = db.session.scalars(query).all()
    db.session.commit()
    report = DeliveryReport()
    for message_id in due:
        message = _claim(message_id)
        if message is None:
            continue
        try:
            email = EmailMessage(subject=message["subject"], body=message["body"],
                                 from_email=current_app.config["MAIL_DEFAULT_SENDER"], to=[message["recipient"]],
                                 reply_to=[message["reply_to"]] if message["reply_to"] else None)
            for attachment in message["attachments"] or []:
                email.attach(attachment["filename"], attachment["content"], attachment["content_type"])
            email.send()
        except Exception as error:  # any transport failure: retry later
            if _record_failure(message_id, error) == OutboxStatus.FAILED:
                report.gave_up += 1
            report.failed += 1
        else:
            _record_result(message_id, status=OutboxStatus.SENT, sent_at=utcnow())
            report.sent += 1
    return report


def _claim(message_id: int) -> dict | None:
    """Mark the message as being sent, unless another sender got there first;
    return what to send."""
    with write_lock():
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, claimed_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        row = db.session.execute(
            select(OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body, OutboxMessage.attachments,
                   OutboxMessage.reply_to)
            .where(OutboxMessage.id == message_id)
        ).one_or_none()
        db.session.commit()
    return row._asdict() if claimed and row else None


def _record_result(message_id: int, **values) -> None:
    with write_lock():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
                           .execution_options(synchronize_session=False))
        db.session.commit()


def _record_failure(message_id: int, error: Exception) -> OutboxStatus:
    with write_lock():
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        message.attempts += 1
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            message.status = OutboxStatus.FAILED
            log.error("Gave up sending email %s to %s", message.id, message.recipient)
        else:
            message.status = OutboxStatus.PENDING
            message.next_attempt_at = utcnow() + backoff(message.attempts)
            log.warning("Email %s failed (%s); retrying later", message.id, message.last_error)
        status = message.status
        db.session.commit()
    return status


def interrupted_count(older_than: timedelta = timedelta(hours=1)) -> int:
    """Messages claimed but never marked sent: a sender died mid-send."""
    return len(
        db.session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.claimed_at < utcnow() - older_than,
            )
        ).all()
    )


# Track outbox rows committed by the current session, so the request can send
# them as soon as its transaction is durable.
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


def deliver_committed_messages() -> None:
    """Send what this request committed; anything that fails waits for send-mail."""
    ids = db.session.info.pop(_COMMITTED_KEY, None)
    if not ids:
        return
    try:
        deliver_due(ids=ids)
    except Exception:
        db.session.rollback()
        log.exception("Sending after commit failed; `flask send-mail` will retry")
