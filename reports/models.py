"""Population baselines an admin has uploaded (the census ones ship as a
file), and the quarterly figures published as open data."""
from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import utcnow
from core.extensions import db
from core.accounts.models import User


class UploadedBaseline(db.Model):
    __tablename__ = "report_baselines"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    # The CSV as uploaded (already checked), parsed again when used.
    content: Mapped[str] = mapped_column(Text)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    uploaded_by: Mapped[Optional[User]] = relationship()


class OpenDataRelease(db.Model):
    """A quarter's figures, published by an admin as open data: a snapshot
    of the suppressed report rows, so the published file never changes."""

    __tablename__ = "open_data_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)  # "2026-Q3"
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
