"""Settled attendance: when an event's figures stop changing.

An event's attendance settles ATTENDANCE_SETTLES_AFTER_DAYS (default 14)
after it ends. From then on nobody changes its check-ins, walk-ins or
bookings, so the figures reports publish from them stay put and one report
cannot be told apart from the next by a change made in between. An admin
can reopen it, giving a reason kept in the audit log, for
ATTENDANCE_REOPENED_FOR_HOURS (default 48); after that it is settled again
by itself, or sooner when an admin settles it now.

Once settled, an event's attendance is tallied (events/tallies.py): by the
`tally-settled` job, or at once when an admin settles it now; reopening
deletes the tally in the same transaction.

Every service that creates, changes or deletes an event's registrations or
attendance calls `refuse_if_settled` with the event locked. Erasing a
person (core/privacy/erasure.py, core/privacy/retention.py) does not: someone's right to
erasure comes before settlement.

Settlement depends only on time and the reopening, not on the event's
status: a draft or cancelled event settles too (it has no figures to keep).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, exists, or_, select

from core import audit
from core.database import lock_row, utcnow
from core.errors import DomainError
from core.extensions import db
from core.formatting import format_date, format_date_time
from core.i18n import _
from core.accounts.models import User
from core.accounts.permissions import is_admin
from events import tallies
from events.models import Attendance, Event, Registration

class AttendanceSettled(DomainError):
    """A change to an event whose attendance is settled."""


class SettlementRuleBroken(DomainError):
    """Reopening or settling that cannot happen as asked."""


# --- the rule ------------------------------------------------------------------------

def settles_after() -> timedelta:
    return timedelta(days=current_app.config["ATTENDANCE_SETTLES_AFTER_DAYS"])


def settles_at(event: Event) -> datetime:
    """When the event's attendance settles (UTC): its end plus the configured days."""
    return event.ends_at + settles_after()


def is_reopened(event: Event, now: datetime | None = None) -> bool:
    """An admin's reopening is running."""
    until = event.attendance_reopened_until
    return until is not None and (now or utcnow()) < until


def is_settled(event: Event, now: datetime | None = None) -> bool:
    """True from `settles_at(event)` on, except while an admin's reopening runs."""
    if event.ends_at is None:  # not saved yet: nothing to settle
        return False
    now = now or utcnow()
    return now >= settles_at(event) and not is_reopened(event, now)


def settled_clause(now: datetime | None = None) -> ColumnElement[bool]:
    """`is_settled` as SQL on Event's columns, for `select(Event.id).where(settled_clause(now))`.
    Both say the same for every event at the same `now`."""
    now = now or utcnow()
    return and_(Event.ends_at <= now - settles_after(),
                or_(Event.attendance_reopened_until.is_(None), Event.attendance_reopened_until <= now))


def settling_passed_clause(now: datetime | None = None) -> ColumnElement[bool]:
    """The event's settling time has come, whether or not an admin has reopened it since."""
    return Event.ends_at <= (now or utcnow()) - settles_after()


def reopened_clause(now: datetime | None = None) -> ColumnElement[bool]:
    return Event.attendance_reopened_until > (now or utcnow())


def settled_on(event: Event) -> str:
    """The day attendance settles or settled, as people in the UK read it: "16 October 2026"."""
    return format_date(settles_at(event))


@dataclass(frozen=True)
class AttendanceState:
    """What the organiser's pages say about settlement."""

    ended: bool
    settled: bool
    settles_at: datetime
    reopened_until: datetime | None  # set while an admin's reopening runs

    @property
    def settling(self) -> bool:
        """Over, but organisers can still change it until it settles."""
        return self.ended and not self.settled and self.reopened_until is None


def attendance_state(event: Event, now: datetime | None = None) -> AttendanceState:
    now = now or utcnow()
    return AttendanceState(ended=event.ends_at <= now, settled=is_settled(event, now), settles_at=settles_at(event),
                           reopened_until=event.attendance_reopened_until if is_reopened(event, now) else None)


# --- enforcement ---------------------------------------------------------------------

def refuse_if_settled(event: Event, *, now: datetime | None = None) -> None:
    """Raise AttendanceSettled when the event's attendance is settled. Call
    with the event locked, so that a reopening ending (or an admin settling
    it) meanwhile is seen."""
    db.session.refresh(event, ["ends_at", "attendance_reopened_until"])
    if is_settled(event, now):
        # Also what someone cancelling their own place long after the event reads.
        raise AttendanceSettled(_("Attendance at %(event)s was settled on %(day)s. Ask an admin to reopen it to make "
                                  "changes.", event=event.title, day=settled_on(event)))


def refuse_status_change_if_settled(event: Event, *, now: datetime | None = None) -> None:
    """Reports count an event's figures by its status, so a settled event
    holding bookings or check-ins keeps its status. One holding none has no
    figures to move: a forum meeting recorded after it took place, say, is
    published at once however long ago it was."""
    if is_settled(event, now) and _holds_figures(event):
        refuse_if_settled(event, now=now)


def _holds_figures(event: Event) -> bool:
    return bool(db.session.scalar(select(
        exists().where(Registration.event_id == event.id) | exists().where(Attendance.event_id == event.id))))


def refuse_moving_into_settled_dates(event: Event, ends_at: datetime, *, actor: User,
                                     now: datetime | None = None) -> None:
    """An event holding bookings or check-ins moved to dates whose attendance
    has settled would change figures already counted: only an admin may
    (the change is audited with the dates before and after)."""
    now = now or utcnow()
    if ends_at + settles_after() > now or is_admin(actor) or is_reopened(event, now) or not _holds_figures(event):
        return
    raise AttendanceSettled(f"{event.title} has bookings or check-ins, so it cannot be moved to dates whose "
                            f"attendance has already settled (it would have settled on "
                            f"{format_date(ends_at + settles_after())}). Ask an admin to change the dates.")


# --- reopening -----------------------------------------------------------------------

def reopen_attendance(event: Event, *, actor: User, reason: str, now: datetime | None = None) -> datetime:
    """An admin opens settled attendance for changes for a while; returns
    until when. It settles again by itself then."""
    _only_admins(actor)
    reason = reason.strip()
    if not reason:
        raise SettlementRuleBroken("Enter why attendance is being reopened", field="reason")
    _lock(event)
    now = now or utcnow()
    if is_reopened(event, now):
        raise SettlementRuleBroken(f"Attendance at {event.title} is already reopened until "
                                   f"{format_date_time(event.attendance_reopened_until)}.")
    if not is_settled(event, now):
        raise SettlementRuleBroken(f"Attendance at {event.title} is not settled yet: its organisers can change it "
                                   f"until {settled_on(event)}.")
    until = now + timedelta(hours=current_app.config["ATTENDANCE_REOPENED_FOR_HOURS"])
    event.attendance_reopened_until = until
    db.session.flush()
    tallies.drop(event)  # reports count it live while its figures may change
    audit.record("attendance.reopened", actor=actor, subject=event,
                 details={"reason": reason, "until": until.isoformat()})
    return until


def settle_now(event: Event, *, actor: User, now: datetime | None = None) -> None:
    """An admin ends a reopening early: the figures are settled again from now."""
    _only_admins(actor)
    _lock(event)
    if not is_reopened(event, now) or (now or utcnow()) < settles_at(event):
        raise SettlementRuleBroken(f"Attendance at {event.title} is not reopened, so there is nothing to settle.")
    event.attendance_reopened_until = None
    db.session.flush()
    tallies.tally([event.id], now=now)
    audit.record("attendance.settled_early", actor=actor, subject=event)


def _only_admins(actor: User) -> None:
    if not is_admin(actor):
        raise SettlementRuleBroken("Only an admin can reopen or settle an event's attendance.")


def _lock(event: Event) -> None:
    """The event's own lock (events.services.places takes the same one), then its latest state."""
    lock_row(db.session, Event, event.id)
    db.session.refresh(event, ["ends_at", "attendance_reopened_until"])
