"""On the day: checking people in (and undoing it), walk-ins, and the
attendance counts.

Functions flush but never commit.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from core import audit
from core.database import utcnow
from core.extensions import db
from core.accounts.models import User
from events import settlement
from events.models import Arrival, Attendance, Event, EventStatus, Registration, RegistrationStatus
from events.services.errors import EventRuleBroken
from events.services.places import _lock


def walk_ins(event: Event) -> list[Attendance]:
    return list(db.session.scalars(select(Attendance).where(
        Attendance.event_id == event.id, Attendance.registration_id.is_(None)).order_by(Attendance.id)))


def booked(event: Event) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(Registration.name)))


def arrival(registration: Registration, *, settled: bool) -> Arrival:
    """Where a booked person stands on the check-in page; `settled`: the
    event's attendance is (events.settlement.attendance_state)."""
    if registration.attendance is not None:
        return Arrival.HERE
    if settled:
        return Arrival.DID_NOT_COME
    if registration.event.status == EventStatus.CANCELLED:
        return Arrival.CANCELLED
    return Arrival.NOT_YET


def _refuse_if_cancelled(event: Event) -> None:
    """Nobody is counted at an event that did not go ahead. (What was counted
    before it was cancelled can still be undone or removed.)"""
    if event.status == EventStatus.CANCELLED:
        raise EventRuleBroken("This event has been cancelled, so no one can be checked in or added as a walk-in")


def check_in(registration: Registration, *, actor: User, now: datetime | None = None) -> Attendance:
    _lock(registration.event)  # settlement is checked under it: a reopening may end meanwhile
    settlement.refuse_if_settled(registration.event, now=now)
    _refuse_if_cancelled(registration.event)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise EventRuleBroken(f"{registration.name} is not booked: {registration.status.label.lower()}")
    if registration.attendance is not None:
        return registration.attendance
    attendance = Attendance(event_id=registration.event_id, registration=registration, checked_in_at=now or utcnow(),
                            people=registration.tickets, checked_in_by_id=actor.id)
    db.session.add(attendance)
    db.session.flush()
    return attendance


def undo_check_in(registration: Registration, *, actor: User, now: datetime | None = None) -> None:
    _lock(registration.event)
    settlement.refuse_if_settled(registration.event, now=now)
    if registration.attendance is not None:
        db.session.delete(registration.attendance)
        db.session.flush()
        audit.record("attendance.undone", actor=actor, subject=registration)


def add_walk_in(event: Event, *, name: str, people: int, actor: User, now: datetime | None = None) -> Attendance:
    """Someone came without booking. They are let in even when the room is
    full: that is the organiser's call on the day."""
    _lock(event)
    settlement.refuse_if_settled(event, now=now)
    _refuse_if_cancelled(event)
    attendance = Attendance(event_id=event.id, walk_in_name=name.strip(), people=people, checked_in_by_id=actor.id,
                            checked_in_at=now or utcnow())
    db.session.add(attendance)
    db.session.flush()
    audit.record("attendance.walk_in_added", actor=actor, subject=attendance,
                 details={"event": event.id, "people": people})  # the number, not the name: as change_walk_in
    return attendance


def change_walk_in(walk_in: Attendance, *, name: str, people: int, actor: User,
                   now: datetime | None = None) -> Attendance:
    """Put right a walk-in typed wrong on the day: their name, or how many came.
    The audit entry keeps the numbers, not the names: walk-in names are
    removed after the registrations' retention period, the audit log later."""
    event = _walk_ins_event(walk_in, now=now)
    _refuse_if_cancelled(event)
    before = walk_in.people
    renamed = walk_in.walk_in_name != name.strip()
    walk_in.walk_in_name, walk_in.people = name.strip(), people
    db.session.flush()
    audit.record("attendance.walk_in_changed", actor=actor, subject=walk_in,
                 details={"event": event.id, "people": [before, people], "renamed": renamed})
    return walk_in


def remove_walk_in(walk_in: Attendance, *, actor: User, now: datetime | None = None) -> None:
    """Take out a walk-in added by mistake (twice, or at the wrong event)."""
    event = _walk_ins_event(walk_in, now=now)
    audit.record("attendance.walk_in_removed", actor=actor, subject=walk_in,
                 details={"event": event.id, "people": walk_in.people})
    db.session.delete(walk_in)
    db.session.flush()


def _walk_ins_event(walk_in: Attendance, *, now: datetime | None = None) -> Event:
    """Lock the walk-in's event and check it may still change: not settled,
    and the walk-in still there (another organiser may have removed it
    while this request waited for the lock)."""
    if walk_in.registration_id is not None:
        raise EventRuleBroken(f"{walk_in.name} booked a place: undo their check-in instead")
    event = db.session.get(Event, walk_in.event_id)
    _lock(event)
    settlement.refuse_if_settled(event, now=now)
    # Read afresh under the lock: what was read before it may have changed or gone meanwhile.
    if db.session.scalar(select(Attendance).where(Attendance.id == walk_in.id)
                         .execution_options(populate_existing=True)) is None:
        raise EventRuleBroken(f"{walk_in.walk_in_name} has already been removed from the walk-ins")
    return event


@dataclass
class AttendanceCounts:
    registered: int
    attended: int
    no_shows: int
    walk_ins: int


def attendance_counts(event: Event) -> AttendanceCounts:
    """Places booked, people here (walk-ins included), those booked not here
    yet, and walk-ins. Nobody is booked on a cancelled event, so nobody is
    still to come: its registrations keep their status (as `standing` says),
    but not their places. Anyone checked in before it was cancelled still counts."""
    # One statement: the check-in page and the event's page ask on every load.
    booked_places = select(func.coalesce(func.sum(Registration.tickets), 0)).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED).scalar_subquery()
    people = func.sum(Attendance.people)
    booked, attended, walk_ins = db.session.execute(select(
        booked_places,
        func.coalesce(people.filter(Attendance.registration_id.is_not(None)), 0),
        func.coalesce(people.filter(Attendance.registration_id.is_(None)), 0),
    ).where(Attendance.event_id == event.id)).one()
    if event.status == EventStatus.CANCELLED:
        booked = 0
    return AttendanceCounts(registered=booked, attended=attended + walk_ins,
                            no_shows=max(booked - attended, 0), walk_ins=walk_ins)
