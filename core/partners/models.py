"""Partner organisations and their contacts."""
import enum
import re
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import utcnow
from core.extensions import db
from core.models import EMAIL_MAX_LENGTH, enum_values
from core.accounts.models import NAME_MAX_LENGTH

PARTNER_NAME_MAX_LENGTH = 150


def name_key(name: str) -> str:
    """A name as it is matched: "Central  Mosque " and "central mosque" are one partner."""
    return re.sub(r"\s+", " ", name).strip().casefold()


class PartnerKind(enum.Enum):
    FAITH_GROUP = "faith_group"
    SCHOOL = "school"
    VOLUNTARY_GROUP = "voluntary_group"
    PUBLIC_BODY = "public_body"
    BUSINESS = "business"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {PartnerKind.FAITH_GROUP: "Faith group", PartnerKind.SCHOOL: "School or college",
                PartnerKind.VOLUNTARY_GROUP: "Voluntary or community group", PartnerKind.PUBLIC_BODY: "Public body",
                PartnerKind.BUSINESS: "Business", PartnerKind.OTHER: "Other"}[self]


class PartnerOrganisation(db.Model):
    __tablename__ = "partner_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(PARTNER_NAME_MAX_LENGTH))
    # name_key(name): one partner per name, whatever its capitals and spaces.
    name_key: Mapped[str] = mapped_column(String(PARTNER_NAME_MAX_LENGTH), unique=True)
    kind: Mapped[PartnerKind] = mapped_column(Enum(PartnerKind, name="partner_kind", values_callable=enum_values))
    area: Mapped[str] = mapped_column(String(150), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contacts: Mapped[list["PartnerContact"]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerContact.name", lazy="selectin")

    __table_args__ = (CheckConstraint("name_key <> ''", name="name_given"),)


class PartnerContact(db.Model):
    """A person to contact at a partner: personal data (core/privacy/partners.py)."""

    __tablename__ = "partner_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner_organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    role: Mapped[str] = mapped_column(String(150), default="")
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), default="", index=True)
    phone: Mapped[str] = mapped_column(String(30), default="")
    # Whether they said we may contact them about the partnership's work, and when they said it.
    may_contact: Mapped[bool] = mapped_column(default=False)
    consent_recorded_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    partner: Mapped[PartnerOrganisation] = relationship(back_populates="contacts")

    __table_args__ = (
        CheckConstraint("NOT may_contact OR consent_recorded_at IS NOT NULL", name="consent_dated"),
    )
