"""The kernel's own tables: the audit log, the email outbox, long jobs that
people watch (core.progress) and the change counters (core.changes). People and their sign-in are core.accounts.models;
the audit log names its actor by the `users` table alone."""
import enum
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, CheckConstraint, Enum, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import utcnow
from core.extensions import db

EMAIL_MAX_LENGTH = 254


def enum_values(enum_class):
    """Store an enum by its values ("active"), not its names: what every model uses."""
    return [member.value for member in enum_class]


class AuditEntry(db.Model):
    """Who did what to which object, and when. Never edited or deleted by the
    app, but for deleting an account: its internet and email addresses go
    from the entries (core/privacy/erasure.py)."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[Optional[str]] = mapped_column(String(64))
    object_id: Mapped[Optional[str]] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[Optional[str]] = mapped_column(String(45))

    # "User" by name: the class is core.accounts.models, a layer above this one.
    actor: Mapped[Optional["User"]] = relationship(lazy="joined")  # noqa: F821

    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)


class ChangeCounter(db.Model):
    """How many times one kind of record has changed, and when it last did
    (core.changes keeps it)."""

    __tablename__ = "change_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime]


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """An email waiting to go, written in the same transaction as its cause."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # [{"filename": ..., "content_type": ..., "content": text}], e.g. a calendar entry.
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, name="outbox_status", values_callable=enum_values),
        default=OutboxStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[Optional[datetime]]
    sent_at: Mapped[Optional[datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    # The organiser's or coordinator's address, for emails that invite a reply.
    reply_to: Mapped[Optional[str]] = mapped_column(String(EMAIL_MAX_LENGTH))
    # The long job this message is part of (bulk invitations, announcements), whose page shows progress.
    job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("background_jobs.id", ondelete="SET NULL"),
                                                  index=True)
    # Whom the email is about when that is not its recipient (a parent's consent request names their child):
    # whoever may not see that person's details is not shown the email's address or subject either.
    about_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Extra headers the email carries, e.g. List-Unsubscribe on a message people may stop (core.unsubscribes).
    headers: Mapped[Optional[dict[str, str]]] = mapped_column(JSON)

    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)


class BackgroundJob(db.Model):
    """Work someone started that finishes after their request has returned:
    sending a batch of emails, drawing a large report. Its page shows how far
    it has got (core.progress)."""

    __tablename__ = "background_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Where the work came from, for the "back" link and the result.
    back_url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # A job that makes a file (a large report's PDF) keeps it here for its owner to download;
    # a batch of emails keeps nothing (its progress is its messages').
    makes_file: Mapped[bool] = mapped_column(default=False)
    finished_at: Mapped[Optional[datetime]]
    error: Mapped[Optional[str]] = mapped_column(Text)
    file_name: Mapped[Optional[str]] = mapped_column(String(200))
    file_type: Mapped[Optional[str]] = mapped_column(String(100))
    file: Mapped[Optional[bytes]] = mapped_column(LargeBinary, deferred=True)
    # A job that prepares a page as well (a year's progress report) keeps its HTML here, for the page it was
    # started from (back_url) to show: the page and the file hold the same figures.
    page: Mapped[Optional[str]] = mapped_column(Text, deferred=True)
    # What must still hold for its owner to download the file (core.progress.register_file_check): a report's
    # scope, so losing the role that let them ask for it stops the download too.
    file_check: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    # Work counted in steps (the rows of a spreadsheet import): how many there are and how many are done.
    steps_total: Mapped[Optional[int]]
    steps_done: Mapped[int] = mapped_column(default=0, server_default="0")


class ImportStatus(enum.Enum):
    """A spreadsheet import's life (core.imports): uploaded, its columns
    matched to what the kind needs, being imported (in the request, or by
    the worker for a large file), then done or failed."""
    UPLOADED = "uploaded"
    MAPPED = "mapped"
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {ImportStatus.UPLOADED: "Uploaded", ImportStatus.MAPPED: "Columns matched",
                ImportStatus.IMPORTING: "Importing", ImportStatus.DONE: "Imported",
                ImportStatus.FAILED: "Failed"}[self]

    @property
    def tag(self) -> str:
        return {ImportStatus.DONE: "govuk-tag--green", ImportStatus.FAILED: "govuk-tag--red"}.get(
            self, "govuk-tag--yellow")


class SpreadsheetImport(db.Model):
    """A spreadsheet someone uploaded to import (core.imports): the file is
    kept here between the steps (never in the session), and deleted once it
    is imported; what is left is the summary and the refused rows, kept for
    their owner until retention deletes them."""

    __tablename__ = "spreadsheet_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Which kind of import (core.imports.kinds) and the object it imports into (a forum, an event).
    kind: Mapped[str] = mapped_column(String(40))
    scope_id: Mapped[int]
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[Optional[bytes]] = mapped_column(LargeBinary, deferred=True)
    headers: Mapped[list[str]] = mapped_column(JSON, default=list)
    rows_total: Mapped[int] = mapped_column(default=0)
    # The kind's column name -> the index of the spreadsheet column holding it.
    mapping: Mapped[Optional[dict[str, int]]] = mapped_column(JSON)
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, name="import_status", values_callable=enum_values), default=ImportStatus.UPLOADED)
    email_people: Mapped[bool] = mapped_column(default=False)
    imported: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)
    # The refused rows with their reasons, as CSV (core.spreadsheets.csv_file).
    refused_file: Mapped[Optional[bytes]] = mapped_column(LargeBinary, deferred=True)
    error: Mapped[Optional[str]] = mapped_column(Text)
    job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("background_jobs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[Optional[datetime]]

    __table_args__ = (
        CheckConstraint("imported >= 0 AND skipped >= 0 AND refused >= 0", name="counts_not_negative"),
        CheckConstraint("status NOT IN ('done', 'failed') OR finished_at IS NOT NULL", name="finished_when_ended"),
        Index("ix_spreadsheet_imports_scope", "kind", "scope_id"),
    )


class ImportMapping(db.Model):
    """How one person matched a spreadsheet's columns for one kind of
    import, remembered by its set of headings for the next file like it."""

    __tablename__ = "import_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    headers_key: Mapped[str] = mapped_column(String(64))
    # The kind's column name -> the heading that held it.
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("kind", "owner_id", "headers_key", name="uq_import_mappings_kind_owner_headers"),)


class Unsubscribe(db.Model):
    """An address that asked for no more of one kind of email (core.unsubscribes):
    the partnership's non-essential messages ("partnership") or one forum's
    announcements ("forum:<id>"). Kept by the SHA-256 of the lower-cased
    address, never the address itself, so the objection outlives the
    account's erasure without keeping the address (docs/decisions)."""

    __tablename__ = "unsubscribes"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("email_hash", "scope", name="uq_unsubscribes_email_hash_scope"),)
