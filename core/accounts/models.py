"""People: accounts, their site roles, the addresses they have proven, their
second factor's recovery codes and their OpenID Connect identities."""
import enum
import secrets
from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import utcnow
from core.extensions import db
from core.i18n import _l
from core.models import EMAIL_MAX_LENGTH, enum_values

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
            SiteRole.ADMIN: _l("Admin"),
            SiteRole.ORGANISER: _l("Organiser"),
            SiteRole.AWARDS_ADMINISTRATOR: _l("Awards administrator"),
            SiteRole.EQUALITY_MONITOR: _l("Equality monitoring"),
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


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    password_hash: Mapped[str] = mapped_column(String(255))
    email_confirmed_at: Mapped[Optional[datetime]]
    # Part of every session and remember-me cookie; bumping it ends them all. It starts at a
    # random number, not 1: SQLite gives a deleted newest account's id to the next account, and a
    # session cookie kept from the deleted one must not sign in as the new one.
    session_version: Mapped[int] = mapped_column(default=lambda: secrets.randbelow(2**30) + 1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_signed_in_at: Mapped[Optional[datetime]]
    # The second factor (core/accounts/second_factor.py): the authenticator app's TOTP
    # secret (base32; the app needs it as it is, so it cannot be hashed), when
    # it was set up, and the last 30-second step a code was accepted for, so
    # no code is accepted twice.
    totp_secret: Mapped[Optional[str]] = mapped_column(String(64))
    totp_enrolled_at: Mapped[Optional[datetime]]
    totp_last_step: Mapped[Optional[int]] = mapped_column(BigInteger)
    # The language they chose from the menu while signed in (core/i18n.py): pages and every email to them.
    language: Mapped[Optional[str]] = mapped_column(String(8))

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
