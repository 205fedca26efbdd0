"""Equality monitoring's two tables: which subject id is whose
(`equality_links`), and the answers under that id alone (`equality_responses`)."""
from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.database import utcnow
from core.extensions import db
from core.models import EMAIL_MAX_LENGTH


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
