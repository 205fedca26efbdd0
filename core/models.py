"""People, their site roles and second factors, the audit log, the email
outbox and the change counters (core.changes)."""
import enum
from datetime import datetime
from typing import Any, Optional

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import utcnow
from core.extensions import db

EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 100


class SiteRole(enum.Enum):
    """Roles that apply across the whole site. Roles that belong to one forum
    or one award cycle live with that forum or cycle."""

    ADMIN = "admin"
    ORGANISER = "organiser"
    AWARDS_ADMINISTRATOR = "awards_administrator"
    EQUALITY_MONITOR = "equality_monitor"

    @property
    def label(self) -> str:
        return {
            SiteRole.ADMIN: "Admin",
            SiteRole.ORGANISER: "Organiser",
            SiteRole.AWARDS_ADMINISTRATOR: "Awards administrator",
            SiteRole.EQUALITY_MONITOR: "Equality monitoring",
        }[self]

    @property
    def description(self) -> str:
        return {
            SiteRole.ADMIN: "Everything, including people, roles, baselines and retention",
            SiteRole.ORGANISER: "Create and run events, check people in, see event reports",
            SiteRole.AWARDS_ADMINISTRATOR: "Run award cycles, categories, panels and results",
            SiteRole.EQUALITY_MONITOR: "See diversity reports broken down by people's equality answers, for events "
                                       "and forums they do not run",
        }[self]


def enum_values(enum_class):
    """Store an enum by its values ("active"), not its names: what every model uses."""
    return [member.value for member in enum_class]


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    password_hash: Mapped[str] = mapped_column(String(255))
    email_confirmed_at: Mapped[Optional[datetime]]
    # Part of every session and remember-me cookie; bumping it ends them all.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_signed_in_at: Mapped[Optional[datetime]]
    # The second factor (core/second_factor.py): the authenticator app's TOTP
    # secret (base32; the app needs it as it is, so it cannot be hashed), when
    # it was set up, and the last 30-second step a code was accepted for, so
    # no code is accepted twice.
    totp_secret: Mapped[Optional[str]] = mapped_column(String(64))
    totp_enrolled_at: Mapped[Optional[datetime]]
    totp_last_step: Mapped[Optional[int]] = mapped_column(BigInteger)

    role_grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="RoleGrant.user_id",
    )

    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def site_roles(self) -> set[SiteRole]:
        return {grant.role for grant in self.role_grants}

    def has_role(self, role: SiteRole) -> bool:
        return role in self.site_roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class ProvenAddress(db.Model):
    """An email address an account has proven is its own, kept after the
    account moves to another: what was left under an old address is still
    that person's (the safeguarding gate still knows whose it is)."""

    __tablename__ = "proven_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), index=True)
    proven_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "email", name="uq_proven_addresses_user_email"),)


class RoleGrant(db.Model):
    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[SiteRole] = mapped_column(
        Enum(SiteRole, name="site_role", values_callable=enum_values, validate_strings=True)
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])

    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_role_grants_user_role"),)


class RecoveryCode(db.Model):
    """One of a person's one-time recovery codes (for when their phone is
    lost), stored hashed; used codes are deleted."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("user_id", "code_hash", name="uq_recovery_codes_user_code"),)


class OidcIdentity(db.Model):
    """An account at the partnership's OpenID Connect provider (issuer and
    subject, never the email, which can change hands) that signs in as this person."""

    __tablename__ = "oidc_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[Optional[datetime]]

    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_oidc_identities_issuer_subject"),)


class AuditEntry(db.Model):
    """Who did what to which object, and when. Never edited or deleted by the app."""

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

    actor: Mapped[Optional[User]] = relationship(lazy="joined")

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

    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)


class EqualityLink(db.Model):
    """Which pseudonymous subject holds one person's equality monitoring
    answers. Kept apart from the answers, so the answers table names no one;
    deleting the person (or withdrawing) deletes the link and the answers."""

    __tablename__ = "equality_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "user:<id>" or "guest:<email>", as on registrations.
    person_key: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH + 6), unique=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    subject_id: Mapped[str] = mapped_column(String(32), unique=True)


class EqualityResponse(db.Model):
    """One person's equality monitoring answers, under a random subject id.
    None means the question was not answered (or, for the 16+ questions, not
    asked); "prefer_not_to_say" is an answer."""

    __tablename__ = "equality_responses"

    subject_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("equality_links.subject_id", ondelete="CASCADE"), primary_key=True)
    consented_at: Mapped[datetime]
    consent_version: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    age_band: Mapped[Optional[str]] = mapped_column(String(30))
    ethnic_group: Mapped[Optional[str]] = mapped_column(String(30))
    ethnic_background: Mapped[Optional[str]] = mapped_column(String(40))
    religion: Mapped[Optional[str]] = mapped_column(String(30))
    sex: Mapped[Optional[str]] = mapped_column(String(30))
    gender_identity: Mapped[Optional[str]] = mapped_column(String(30))
    sexual_orientation: Mapped[Optional[str]] = mapped_column(String(30))
    disability: Mapped[Optional[str]] = mapped_column(String(30))
    disability_impact: Mapped[Optional[str]] = mapped_column(String(30))
    postcode_district: Mapped[Optional[str]] = mapped_column(String(4))
