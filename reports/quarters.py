"""Quarters: reports on several events count whole calendar quarters, once
every event in one has settled (events/settlement.py)."""
from datetime import date, datetime, timedelta

from flask import current_app

from core.database import LONDON


def settled_until(now: datetime) -> date:
    """The end of the last quarter whose events have all settled."""
    today = now.astimezone(LONDON).date()
    end = quarter_start_day(today) - timedelta(days=1)
    while end + timedelta(days=current_app.config["ATTENDANCE_SETTLES_AFTER_DAYS"] + 1) > today:
        end = quarter_start_day(end) - timedelta(days=1)
    return end


def quarter_start_day(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end_day(day: date) -> date:
    start = quarter_start_day(day)
    return (date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)) - timedelta(1)


def quarter_label(starts_at: datetime) -> str:
    starts = starts_at.astimezone(LONDON)
    return f"{starts.year} Q{(starts.month - 1) // 3 + 1}"


def quarter_start(starts_at: datetime) -> datetime:
    starts = starts_at.astimezone(LONDON)
    return datetime(starts.year, 3 * ((starts.month - 1) // 3) + 1, 1, tzinfo=LONDON)
