"""What events hold about a person, for merging two records of one person
(core/people): registrations, the events they organise and their private
calendar address.

Two bookings for one event become one: the better one is kept (checked in,
then booked, offered, waiting, waiting for email confirmation, cancelled; the
kept person's on a tie) and the other deleted, so a merge frees places and
never takes them; freed places go to the waiting list as a cancellation's would.
"""
from sqlalchemy import delete, func, insert, or_, select, update

from core.extensions import db
from core.people.registry import Change, Records, records
from events import tallies
from events.models import CalendarLink, Event, Registration, RegistrationStatus, event_organisers, HOLDS_PLACES
from events.services.places import _lock
from events.services.waiting_list import promote_from_waiting_list

_RANK = {RegistrationStatus.CANCELLED: 0, RegistrationStatus.PENDING: 1, RegistrationStatus.WAITLISTED: 2,
         RegistrationStatus.OFFERED: 3, RegistrationStatus.CONFIRMED: 4}


def _of(someone):
    clause = Registration.person_key == someone.key
    if someone.user is not None:
        clause = or_(clause, Registration.user_id == someone.user.id)
    return clause


def _registrations(someone) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(_of(someone)).order_by(Registration.id)))


def _rank(registration: Registration) -> tuple:
    return (registration.attendance is not None, _RANK[registration.status])


def _plan(merged, kept):
    """(moving, conflicts): registrations that simply move, and per event
    (winner, loser) where both people have one."""
    ours = {registration.event_id: registration for registration in _registrations(kept)}
    moving, conflicts = [], []
    for registration in _registrations(merged):
        if registration.id in {other.id for other in ours.values()}:
            continue
        other = ours.get(registration.event_id)
        if other is None:
            moving.append(registration)
            ours[registration.event_id] = registration
        elif _rank(registration) > _rank(other):
            conflicts.append((registration, other))
        else:
            conflicts.append((other, registration))
    return moving, conflicts


def _state(registration: Registration) -> str:
    said = str(registration.status.label)
    return f"{said}, checked in" if registration.attendance is not None else said


def _preview(merged, kept) -> list[Change]:
    moving, conflicts = _plan(merged, kept)
    kept_ids = {registration.id for registration in _registrations(kept)}
    changes = [Change(f"Registration: {registration.event.title}", f"moves ({_state(registration)})")
               for registration in moving]
    for winner, loser in conflicts:
        whose = "the kept record's" if winner.id in kept_ids else "the merged record's"
        changes.append(Change(
            f"Registration: {winner.event.title}",
            f"both registered: {whose} is kept ({_state(winner)}); the other ({_state(loser)}) is deleted"
            + (f", freeing {loser.tickets} {'place' if loser.tickets == 1 else 'places'}"
               if loser.status in HOLDS_PLACES else ""), conflict=True))
    if merged.user is not None:
        organised = db.session.scalar(select(func.count()).select_from(event_organisers).where(
            event_organisers.c.user_id == merged.user.id))
        if organised:
            changes.append(Change(f"Organiser of {organised} {'event' if organised == 1 else 'events'}",
                                  "moves to the kept account"))
        if db.session.scalar(select(CalendarLink.id).where(CalendarLink.user_id == merged.user.id)):
            changes.append(Change("Private calendar address", "kept account's address kept; this one stops working"
                                  if _calendar_of(kept) else "moves to the kept account"))
    return changes


def _calendar_of(someone):
    return someone.user is not None and db.session.scalar(
        select(CalendarLink.id).where(CalendarLink.user_id == someone.user.id)) is not None


def _move(merged, kept) -> dict[str, int]:
    events = sorted({registration.event_id for registration in _registrations(merged)})
    for event_id in events:  # in one order, as every booking takes them: no deadlock
        _lock(db.session.get(Event, event_id))
    moving, conflicts = _plan(merged, kept)
    freed = set()
    for winner, loser in conflicts:
        if loser.status in HOLDS_PLACES:
            freed.add(winner.event_id)
        if loser.attendance is not None:  # both came: the kept booking's check-in counts them once
            db.session.delete(loser.attendance)
        db.session.delete(loser)
        moving.append(winner)
    db.session.flush()
    email = kept.user.email if kept.user is not None else kept.email
    for registration in moving:
        registration.person_key = kept.key
        if kept.user is not None:  # a guest's booking an account already claimed stays claimed
            registration.user_id = kept.user.id
        registration.email = email
    db.session.flush()
    for event_id in sorted(freed):
        promote_from_waiting_list(db.session.get(Event, event_id))
    tallies.tally_people([kept.key])  # settled events' tallies count the two as one person now
    counts = {"registrations": len(moving), "duplicate registrations removed": len(conflicts)}
    if merged.user is not None:
        counts.update(_move_account(merged.user.id, kept.user.id))
    return counts


def _move_account(source: int, target: int) -> dict[str, int]:
    theirs = set(db.session.scalars(select(event_organisers.c.event_id).where(event_organisers.c.user_id == source)))
    ours = set(db.session.scalars(select(event_organisers.c.event_id).where(event_organisers.c.user_id == target)))
    db.session.execute(delete(event_organisers).where(event_organisers.c.user_id == source))
    if theirs - ours:
        db.session.execute(insert(event_organisers), [{"event_id": event, "user_id": target}
                                                      for event in sorted(theirs - ours)])
    if db.session.scalar(select(CalendarLink.id).where(CalendarLink.user_id == target)) is not None:
        db.session.execute(delete(CalendarLink).where(CalendarLink.user_id == source))
    else:
        db.session.execute(update(CalendarLink).where(CalendarLink.user_id == source).values(user_id=target))
    db.session.flush()
    return {"events organised": len(theirs - ours)}


def _guest_keys():
    """Guest bookings no account holds: one an account claimed by proving its
    address (claim_guest_registrations) is already that account's, with nothing to merge."""
    return select(Registration.person_key.label("key")).where(Registration.person_key.startswith("guest:"),
                                                              Registration.user_id.is_(None))


records.add(20, Records("Events", _preview, _move, _guest_keys), name="events")
