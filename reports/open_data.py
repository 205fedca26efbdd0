"""Open data: each quarter's figures for everything, aggregated, perturbed
and suppressed exactly as in the reports, published when an admin chooses
once the quarter's attendance has settled. The
published rows are a snapshot: late check-ins never change a file people
have downloaded. Public on /open-data and /api/v1/open-data once published."""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.errors import DomainError
from core.extensions import db
from core.formatting import format_date
from core.forms import EARLIEST_YEAR, LATEST_YEAR
from core.i18n import _, in_language
from core.numbers import whole_number
from reports import baselines
from reports.exports import HEADER, report_rows
from reports.models import OpenDataRelease
from reports.services import Scope, build

QUARTERS_LISTED = 8


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def period(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        """The quarter as people read it, in their language ("2026-Q3" in English)."""
        # Translators: a quarter of a year: 2026-Q3 is July to September 2026.
        return _("%(year)d-Q%(number)d", year=self.year, number=self.number)

    @property
    def starts_on(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def ends_on(self) -> date:
        following = date(self.year + (self.number == 4), 1 if self.number == 4 else 3 * self.number + 1, 1)
        return following - timedelta(days=1)

    @classmethod
    def parse(cls, period: str) -> "Quarter | None":
        """The quarter a period names ("2026-Q3"), of a year a date may have
        here; None for anything else (year 0 has no days, and "²⁰²⁶" is no year)."""
        year, _dash, number = period.partition("-Q")
        year_number = whole_number(year, lowest=EARLIEST_YEAR, highest=LATEST_YEAR) if len(year) == 4 else None
        if year_number is None or number not in ("1", "2", "3", "4"):
            return None
        return cls(year_number, int(number))

    @classmethod
    def containing(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


def recent_quarters(today: date) -> list[Quarter]:
    """The last few quarters that have ended, newest first."""
    quarter, found = Quarter.containing(today).previous(), []
    for _position in range(QUARTERS_LISTED):
        found.append(quarter)
        quarter = quarter.previous()
    return found


def published() -> dict[str, OpenDataRelease]:
    return {release.period: release for release in db.session.scalars(
        select(OpenDataRelease).order_by(OpenDataRelease.starts_on.desc()))}


def release_label(release: OpenDataRelease) -> str:
    """A published quarter's name as people read it (its period, should it ever name no quarter)."""
    quarter = Quarter.parse(release.period)
    return quarter.label if quarter else release.period


def settled_by(quarter: Quarter) -> date:
    """The first day on which every event of the quarter has settled."""
    return quarter.ends_on + timedelta(days=current_app.config["ATTENDANCE_SETTLES_AFTER_DAYS"] + 1)


def not_yet(quarter: Quarter, today: date) -> str | None:
    """Why the quarter cannot be published today, or None once it can."""
    if quarter.ends_on >= today:
        return f"{quarter.period} has not ended yet: publish it once it has"
    settled_from = settled_by(quarter)
    if settled_from > today:
        return (f"Attendance at {quarter.period}'s last events settles on "
                f"{format_date(settled_from)}: publish it from then, so that every event counts")
    return None


def publish(quarter: Quarter, *, actor, today: date) -> OpenDataRelease:
    if reason := not_yet(quarter, today):
        raise DomainError(reason)
    with in_language("en"):  # a snapshot for everyone: in English, whatever language the admin reads the site in
        rows = [{name: str(value) for name, value in zip(HEADER, row)} for row in report_rows(
            build(Scope("all", None, quarter.starts_on, quarter.ends_on), f"All events, {quarter.period}",
                  baselines.shipped()), quarter.period)]
    release = OpenDataRelease(period=quarter.period, starts_on=quarter.starts_on, ends_on=quarter.ends_on,
                              rows=rows, published_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(release)
    except IntegrityError:
        raise DomainError(f"{quarter.period} has already been published") from None
    audit.record("open_data.publish", actor=actor, subject=release, details={"period": quarter.period})
    return release
