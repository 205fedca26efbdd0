"""Settled events' tallies: an event's attendance added up once it has
settled, so a report over thousands of events adds up a row per event
instead of joining every check-in (docs/decisions/0012).

A tally holds, per event, how many people came and how many of them no
registration names (SettledTally), and its named people who came counted by
their answers to the mixing questions, with the sum of their record keys
(SettledTallyCell). Those are figures a report counts per event anyway, so
adding up tallies gives exactly what counting live gives. What a report
counts across events (different people, who came before) cannot be added up
from per-event counts and is always counted live.

When a tally is written:
- the `tally-settled` job tallies every settled event without a current
  tally (every ten minutes: after an event settles by time, or after an
  admin's reopening lapses);
- an admin settling an event now tallies it in the same transaction, and
  reopening deletes it in the reopening's;
- whatever changes what a settled event's tally counts tallies it again in
  its own transaction: erasing or merging people, retention, and any change
  to equality answers or to whose they are (core.equality.services
  .answers_changed).

A report uses a tally only while the event is settled and the tally was made
under the event's present dates and reopening and the present record key
secret (`current_tallies`); it counts every other event live. So a report
is right whether or not the job has run yet."""
from datetime import datetime
from typing import Iterable

from sqlalchemy import case, delete, func, insert, literal, select

from core.database import keyed_byte, utcnow
from core.equality import services as equality
from core.equality.models import EqualityLink, EqualityResponse
from core.extensions import db
from events.models import Attendance, Event, Registration, SettledTally, SettledTallyCell, counted_person
from events import settlement  # which imports this module: names are looked up when called

# The answers a cell is keyed by: the mixing questions (reports.services.MIXING_CHARACTERISTICS).
KEYS = ("ethnic_group", "religion", "age_band")
BATCH = 1000  # events tallied in one transaction by the job


def current_tallies(now: datetime | None = None):
    """The ids of events whose tally a report may add up now: settled, and
    tallied under the event's present dates and reopening and the present
    record key secret."""
    return (select(SettledTally.event_id).join(Event, Event.id == SettledTally.event_id)
            .where(settlement.settled_clause(now), SettledTally.ends_at == Event.ends_at,
                   SettledTally.reopened_until.is_not_distinct_from(Event.attendance_reopened_until),
                   SettledTally.keyed_with == equality.record_key_fingerprint()))


def tally(event_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Make the events' tallies again from their records as they are now
    (deleting the tally of any that is not settled). Flushes; returns how
    many were tallied. Callers that change a settled event's records call
    this in the same transaction, after the change is flushed."""
    event_ids = sorted(set(event_ids))
    if not event_ids:
        return 0
    db.session.flush()
    now = now or utcnow()
    tallied = 0
    for start in range(0, len(event_ids), BATCH):
        ids = event_ids[start:start + BATCH]
        db.session.execute(delete(SettledTallyCell).where(SettledTallyCell.event_id.in_(ids)))
        db.session.execute(delete(SettledTally).where(SettledTally.event_id.in_(ids)))
        settled = list(db.session.scalars(select(Event.id).where(Event.id.in_(ids), settlement.settled_clause(now))))
        if settled:
            _insert(settled, now)
        tallied += len(settled)
    db.session.flush()
    return tallied


def _insert(event_ids: list[int], now: datetime) -> None:
    """Tally these events, none of which has a tally."""
    extra = case((Attendance.registration_id.is_(None), Attendance.people), else_=Attendance.people - 1)
    came = (select(Attendance.event_id, func.sum(Attendance.people).label("came"), func.sum(extra).label("unnamed"))
            .where(Attendance.event_id.in_(event_ids)).group_by(Attendance.event_id).subquery())
    db.session.execute(insert(SettledTally).from_select(
        ["event_id", "came", "unnamed", "ends_at", "reopened_until", "keyed_with", "tallied_at"],
        select(Event.id, func.coalesce(came.c.came, 0), func.coalesce(came.c.unnamed, 0), Event.ends_at,
               Event.attendance_reopened_until, literal(equality.record_key_fingerprint()), literal(now))
        .outerjoin(came, came.c.event_id == Event.id).where(Event.id.in_(event_ids))))
    # As reports.queries.mixing counts live: each registration checked in, by its person's answers.
    answers = [getattr(EqualityResponse, key) for key in KEYS]
    person = counted_person()
    db.session.execute(insert(SettledTallyCell).from_select(
        ["event_id", *KEYS, "came", "key_sum"],
        select(Registration.event_id, *answers, func.count(),
               func.sum(keyed_byte(equality.record_key_secret(), person)))
        .join(Attendance, Attendance.registration_id == Registration.id)
        .join(EqualityLink, EqualityLink.person_key == person)
        .join(EqualityResponse, EqualityResponse.subject_id == EqualityLink.subject_id)
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, *answers)))


def drop(event: Event) -> None:
    """The event's figures may change (an admin reopened it): its tally goes, and reports count it live."""
    db.session.execute(delete(SettledTallyCell).where(SettledTallyCell.event_id == event.id))
    db.session.execute(delete(SettledTally).where(SettledTally.event_id == event.id))
    db.session.flush()


def untallied(now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Settled events without a current tally, oldest first; on PostgreSQL
    each is locked (skipping any another transaction holds: an admin
    reopening it, say), so no tally is made of figures changing meanwhile."""
    now = now or utcnow()
    query = (select(Event.id).where(settlement.settled_clause(now), Event.id.not_in(current_tallies(now)))
             .order_by(Event.id).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Event, skip_locked=True)
    return list(db.session.scalars(query))


def tally_settled(now: datetime | None = None) -> int:
    """The job: tally every settled event that has no current tally, a batch
    per transaction (the caller holds the write lock on SQLite). Returns how many."""
    done = 0
    while ids := untallied(now):
        done += tally(ids, now=now)
        db.session.commit()
        if len(ids) < BATCH:
            break
    return done


def tally_people(person_keys: Iterable[str], *, now: datetime | None = None) -> int:
    """Tally again the tallied events these people registered for: their
    answers, or whose answers are whose, changed."""
    keys = sorted(set(person_keys))
    if not keys:
        return 0
    events = db.session.scalars(select(Registration.event_id).distinct().where(
        Registration.person_key.in_(keys) | counted_person().in_(keys),
        Registration.event_id.in_(select(SettledTally.event_id)))).all()
    return tally(events, now=now)


equality.answers_changed.add(10, lambda keys: tally_people(keys), name="events.tallies")
