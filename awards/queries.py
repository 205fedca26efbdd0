"""Reads the awards pages need that are not a rule of their own, written
once here so that views hold no queries."""
from sqlalchemy import select

from core.extensions import db
from events.models import Event, EventKind


def ceremonies_newest_first() -> list[Event]:
    """The awards ceremonies a cycle can be linked to, the latest first."""
    return list(db.session.scalars(
        select(Event).where(Event.kind == EventKind.AWARDS_CEREMONY).order_by(Event.starts_at.desc())))
