"""The SQL behind the reports. Everything is counted in the database
(GROUP BY): only aggregates come back, never one row per person.

A report is about a group of people ("who"): the people with a registration
or attendance at a set of events, a forum's members, or an award cycle's
nominators or nominees. Each is a subquery with one row per person, keyed
like registrations ("user:<id>" or "guest:<email>"), which joins to the
equality answers through equality_links."""
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (BigInteger, Column, Integer, MetaData, String, Table, case, cast, func, literal, not_, or_,
                        select, union_all)

from awards.models import AwardCategory, AwardCycle, LIVE_NOMINATIONS, Nomination, NominationStatus, NomineeKind
from core.database import in_london, keyed_byte, temporary_table, utcnow
from core.equality.services import BY_KEY, CHARACTERISTICS, NOT_ANSWERED, UNDER_16
from core.extensions import db
from core.equality.models import EqualityLink, EqualityResponse
from core.accounts.models import User
from events.settlement import reopened_clause, settling_passed_clause
from events.models import (Attendance, CohesionPriority, Event, EventKind, EventSeries, EventStatus, Registration,
                           RegistrationStatus, SettledTally, SettledTallyCell, counted_person, event_organisers,
                           event_priorities)
from forums.models import Forum, ForumCoordinator, Membership, MembershipSpell
from reports.models import UploadedBaseline
from reports.perturbation import EMPTY, Cell

COUNTED_EVENT_STATUSES = (EventStatus.PUBLISHED, EventStatus.POSTPONED)


def events_in(*, event_id=None, series_id=None, forum_id=None, priority_id=None, kind: EventKind | None = None,
              starts: datetime | None = None, ends: datetime | None = None, settled: bool | None = None,
              now: datetime | None = None):
    """The ids of the events a report counts: published, already started,
    within the dates and the scope; with `settled`, only those whose
    attendance has (True) or has not yet (False) settled."""
    now = now or utcnow()
    query = select(Event.id).where(Event.status.in_(COUNTED_EVENT_STATUSES), Event.starts_at <= now)
    if settled is not None:
        # Counted once its settling time has come; an admin's reopening does not take it out again.
        query = query.where(settling_passed_clause(now) if settled else not_(settling_passed_clause(now)))
    if event_id is not None:
        query = query.where(Event.id == event_id)
    if series_id is not None:
        query = query.where(Event.series_id == series_id)
    if forum_id is not None:
        query = query.where(Event.forum_id == forum_id)
    if priority_id is not None:
        query = query.where(Event.id.in_(
            select(event_priorities.c.event_id).where(event_priorities.c.priority_id == priority_id)))
    if kind is not None:
        query = query.where(Event.kind == kind)
    if starts is not None:
        query = query.where(Event.starts_at >= starts)
    if ends is not None:
        query = query.where(Event.starts_at < ends)
    return query


def participants(event_ids):
    """One row per person registered for or checked in at the events:
    whether they came (to any of them)."""
    return _participation_query(event_ids).subquery()


def _participation_query(event_ids, **by):
    """participants() of the events, one row per person and each of `by`
    (named expressions over Event, worked out once an event)."""
    came = case((Attendance.id.is_not(None), 1), else_=0)
    person = counted_person()
    if by:
        events = (select(Event.id.label("event_id"), *(expression.label(name) for name, expression in by.items()))
                  .where(Event.id.in_(event_ids)).cte("report_events").prefix_with("MATERIALIZED"))
        grouped = [events.c[name] for name in by]
        query = (select(person.label("person_key"), *grouped).select_from(events)
                 .join(Registration, Registration.event_id == events.c.event_id))
    else:
        grouped = []
        query = select(person.label("person_key")).where(Registration.event_id.in_(event_ids))
    return (query.add_columns(func.max(came).label("attended"))
            .outerjoin(Attendance, Attendance.registration_id == Registration.id)
            .where((Registration.status == RegistrationStatus.CONFIRMED) | Attendance.id.is_not(None))
            .group_by(person, *grouped))


@dataclass(frozen=True)
class Participation:
    """participants() of a report's events, worked out once while the report
    is built: a temporary table with a row per person, period (period_of)
    and kind of event, and whether they came. Every figure about different
    people is counted from it, rather than each reading every registration
    again."""
    table: Table
    periods: int

    def people(self):
        """participants() of the events."""
        rows = self.table.c
        return select(rows.person_key, func.max(rows.attended).label("attended")).group_by(rows.person_key).subquery()

    def respondents(self) -> tuple[int, int, int]:
        """The people who answered the equality questions; and how many of
        them would be counted differently (left out, or moved between who
        came and who did not) without the first period, and without the last
        (respondents_differing, in one pass)."""
        rows, last = self.table.c, self.periods - 1
        state = rows.attended + 1
        people = (select(rows.person_key, func.max(state).label("here"),
                         func.coalesce(func.max(case((rows.period > 0, state))), 0).label("without_first"),
                         func.coalesce(func.max(case((rows.period < last, state))), 0).label("without_last"))
                  .group_by(rows.person_key).subquery())
        answering = _answering(people)
        differing = [func.coalesce(func.sum(case((answering.c.here != answering.c[other], 1), else_=0)), 0)
                     for other in ("without_first", "without_last")]
        return tuple(db.session.execute(select(func.count(), *differing).select_from(answering)).one())

    def named_people_by(self, column: str) -> dict:
        """Distinct named people who came, for each period or kind of event."""
        rows = self.table.c
        return dict(db.session.execute(
            select(rows[column], func.count(func.distinct(rows.person_key)))
            .where(rows.attended == 1).group_by(rows[column])).all())


# Participation's table, declared once: the columns _participation_query selects.
PARTICIPATION = Table("report_participation", MetaData(), Column("person_key", String), Column("period", Integer),
                      Column("kind", Event.__table__.c.kind.type), Column("attended", Integer))


@contextmanager
def participation(event_ids, period_starts: list[datetime]):
    """The events' Participation for the body of the `with`, by the periods
    starting at `period_starts` (ascending)."""
    if len(period_starts) > 1:
        query = _participation_query(event_ids, period=period_of(period_starts), kind=Event.kind)
    else:  # one period (or none): every row's is the first
        query = _participation_query(event_ids, kind=Event.kind).add_columns(literal(0).label("period"))
    with temporary_table(db.session, PARTICIPATION, query) as table:
        yield Participation(table, max(len(period_starts), 1))


def respondents_differing(here, there) -> int:
    """People who answered the equality questions and are counted
    differently by two participants(): in one and not the other, or among
    who came in one and who did not come in the other."""
    here, there = _answering(here), _answering(there)
    states = union_all(
        select(here.c.person_key, (here.c.attended + 1).label("here"), literal(0).label("there")),
        select(there.c.person_key, literal(0), there.c.attended + 1),
    ).subquery()
    by_person = (select(states.c.person_key).group_by(states.c.person_key)
                 .having(func.max(states.c.here) != func.max(states.c.there)).subquery())
    return db.session.scalar(select(func.count()).select_from(by_person))


def _answering(people):
    """Of `people` (participants() or the like), those who answered the equality questions."""
    return (select(people)
            .join(EqualityLink, EqualityLink.person_key == people.c.person_key)
            .join(EqualityResponse, EqualityResponse.subject_id == EqualityLink.subject_id)
            .subquery())


def _user_key(user_id_column):
    return literal("user:", String) + cast(user_id_column, String)


def forum_members(forum_id: int, on: datetime):
    """The forum's members at the moment `on` (each active then), from the
    spells of their memberships: a report counts members as they were at the
    end of a quarter, not as they are, so one person joining or leaving does
    not change it the next day."""
    return (select(_user_key(Membership.user_id).label("person_key"), literal(1).label("members"))
            .join(MembershipSpell, MembershipSpell.membership_id == Membership.id)
            .where(Membership.forum_id == forum_id, MembershipSpell.started_at < on,
                   or_(MembershipSpell.ended_at.is_(None), MembershipSpell.ended_at >= on))
            .distinct().subquery())


def answering_member_spells(forum_id: int) -> list:
    """(person key, started, ended) of every spell of the forum's members
    who answered the equality questions: head counts over time, and which
    people, never their answers."""
    key = _user_key(Membership.user_id)
    return db.session.execute(
        select(key, MembershipSpell.started_at, MembershipSpell.ended_at)
        .join(MembershipSpell, MembershipSpell.membership_id == Membership.id)
        .join(EqualityLink, EqualityLink.person_key == key)
        .join(EqualityResponse, EqualityResponse.subject_id == EqualityLink.subject_id)
        .where(Membership.forum_id == forum_id)).all()


def nominators(cycle_id: int):
    key = case((Nomination.nominator_id.is_not(None), _user_key(Nomination.nominator_id)),
               else_=literal("guest:", String) + func.lower(Nomination.nominator_email))
    return (select(key.label("person_key"), literal(1).label("nominators")).select_from(Nomination)
            .join(AwardCategory, AwardCategory.id == Nomination.category_id)
            .where(AwardCategory.cycle_id == cycle_id,
                   Nomination.status.in_((*LIVE_NOMINATIONS, NominationStatus.INELIGIBLE)))
            .group_by(key).subquery())


def nominees(cycle_id: int):
    """Nominated people who answered the questions themselves (nominees are
    never asked by proxy): matched by their email to an account or a guest."""
    key = case((User.id.is_not(None), _user_key(User.id)),
               else_=literal("guest:", String) + func.lower(Nomination.nominee_email))
    return (select(key.label("person_key"), literal(1).label("nominees")).select_from(Nomination)
            .join(AwardCategory, AwardCategory.id == Nomination.category_id)
            .outerjoin(User, User.email == func.lower(Nomination.nominee_email))
            .where(AwardCategory.cycle_id == cycle_id, Nomination.status.in_(LIVE_NOMINATIONS),
                   Nomination.nominee_kind == NomineeKind.INDIVIDUAL, Nomination.nominee_email != "")
            .group_by(key).subquery())


def tally(people, columns: tuple[str, ...], secret: str) -> tuple[dict, dict]:
    """Count the people in `people` by every characteristic, for each of
    its 0/1 `columns`, with the sum of their record keys (perturbation.py).
    Returns ({characteristic: {category: {column: Cell}}}, {column: Cell of
    people with answers}). One GROUP BY over every characteristic at once;
    Python only adds up the combinations."""
    answer_columns = [getattr(EqualityResponse, characteristic.key) for characteristic in CHARACTERISTICS]
    has_answers = case((EqualityResponse.subject_id.is_not(None), 1), else_=0).label("has_answers")
    record_key = keyed_byte(secret, people.c.person_key)
    rows = db.session.execute(
        select(*answer_columns, has_answers, *[func.sum(people.c[column]).label(column) for column in columns],
               *[func.sum(people.c[column] * record_key).label(f"{column}_keys") for column in columns])
        .select_from(people)
        .outerjoin(EqualityLink, EqualityLink.person_key == people.c.person_key)
        .outerjoin(EqualityResponse, EqualityResponse.subject_id == EqualityLink.subject_id)
        .group_by(*answer_columns, has_answers)
    ).all()
    keys = [characteristic.key for characteristic in CHARACTERISTICS]
    added = defaultdict(lambda: [0, 0])  # (characteristic, category, column) or (None, None, column): [count, key sum]
    for row in rows:
        answers = dict(zip(keys, row))
        places = [(None, None)] if row.has_answers else []  # among the respondents
        for characteristic in CHARACTERISTICS:
            category = answers[characteristic.key] or NOT_ANSWERED
            if characteristic.adults_only and answers["age_band"] == UNDER_16:
                category = NOT_ANSWERED  # not asked
            elif characteristic.key == "disability_impact" and answers["disability"] != "yes":
                continue  # asked only of people with a condition
            places.append((characteristic.key, category))
        for column in columns:
            count, key_sum = row._mapping[column] or 0, row._mapping[f"{column}_keys"] or 0
            for key, category in places:
                sums = added[key, category, column]
                sums[0] += count
                sums[1] += key_sum
    counts = {key: defaultdict(lambda: defaultdict(lambda: EMPTY)) for key in keys}
    respondents = defaultdict(lambda: EMPTY)
    for (key, category, column), sums in added.items():
        if key is None:
            respondents[column] = Cell(*sums)
        else:
            counts[key][category][column] = Cell(*sums)
    return counts, respondents


def reach(event_ids, people, *, split: bool = True) -> dict[str, int | None]:
    """Distinct named people who came, and (if `split`) how many of them had
    come to anything before the scope's first event (returning) or not
    (first time)."""
    if not split:
        named = db.session.scalar(select(func.count()).select_from(people).where(people.c.attended == 1))
        return {"named": named, "first_time": None, "returning": None}
    scope_start = select(func.min(Event.starts_at)).where(Event.id.in_(event_ids)).scalar_subquery()
    # Joined to one set of who came before, not searched per person: matched
    # on the person's key (an expression no index holds), SQLite read every
    # registration again for each person, and PostgreSQL every earlier
    # record for each person when the set was too big to hash (IN).
    person = counted_person()
    came_before = (select(person.label("person_key"))
                   .join(Attendance, Attendance.registration_id == Registration.id)
                   .join(Event, Event.id == Registration.event_id)
                   .where(Event.starts_at < scope_start).group_by(person).subquery())
    row = db.session.execute(
        select(func.count(), func.count(came_before.c.person_key))
        .select_from(people).outerjoin(came_before, came_before.c.person_key == people.c.person_key)
        .where(people.c.attended == 1)
    ).one()
    return {"named": row[0], "first_time": row[0] - row[1], "returning": row[1]}


def period_of(bounds: list[datetime]):
    """An event's period number, the periods starting at `bounds` (ascending)."""
    if len(bounds) < 2:
        return literal(0)
    return case(*[(Event.starts_at < bound, number) for number, bound in enumerate(bounds[1:])],
                else_=len(bounds) - 1)


def first_and_last_days(event_ids):
    """The London days the first and the last of the events start, or (None, None)."""
    first, last = db.session.execute(select(func.min(Event.starts_at), func.max(Event.starts_at))
                                     .where(Event.id.in_(event_ids))).one()
    return (None, None) if first is None else (in_london(first).date(), in_london(last).date())


def any_reopened(event_ids, now: datetime) -> bool:
    """Whether an admin has reopened the attendance of any of the events, for now."""
    return bool(db.session.scalar(select(func.count()).where(Event.id.in_(event_ids), reopened_clause(now))))


def any_run_by(event_ids, user_id: int) -> bool:
    """Whether the person organises any of the events, or coordinates the forum of any."""
    return bool(db.session.scalar(select(func.count()).select_from(Event).where(
        Event.id.in_(event_ids),
        Event.id.in_(select(event_organisers.c.event_id).where(event_organisers.c.user_id == user_id))
        | Event.forum_id.in_(select(ForumCoordinator.forum_id).where(ForumCoordinator.user_id == user_id)))))


def events_listed(event_ids) -> list:
    """Title and start of each event, oldest first."""
    return db.session.execute(select(Event.id, Event.title, Event.starts_at).where(Event.id.in_(event_ids))
                              .order_by(Event.starts_at, Event.id)).all()


def mixing(event_ids, keys: tuple[str, ...], secret: str, *, tallied=None) -> dict[str, dict[int, dict[str, Cell]]]:
    """For each of `keys` (questions) and each event: the people who came
    giving each answer (prefer-not and unanswered left out), as Cells. One
    GROUP BY over all the questions at once; Python adds up each one. Events
    among `tallied` (events.tallies.current_tallies) are added up from their
    tallies, made under the same secret; the others are counted live."""
    columns = [getattr(EqualityResponse, key) for key in keys]
    person = counted_person()
    live = (select(Registration.event_id, *columns, func.count(), func.sum(keyed_byte(secret, person)))
            .join(Attendance, Attendance.registration_id == Registration.id)
            .join(EqualityLink, EqualityLink.person_key == person)
            .join(EqualityResponse, EqualityResponse.subject_id == EqualityLink.subject_id)
            .where(Registration.event_id.in_(_untallied(event_ids, tallied)))
            .group_by(Registration.event_id, *columns))
    rows = []
    if tallied is not None:
        cells = [getattr(SettledTallyCell, key) for key in keys]
        rows += db.session.execute(
            select(SettledTallyCell.event_id, *cells, func.sum(SettledTallyCell.came),
                   cast(func.sum(SettledTallyCell.key_sum), BigInteger))  # not a Decimal from PostgreSQL
            .where(SettledTallyCell.event_id.in_(event_ids), SettledTallyCell.event_id.in_(tallied))
            .group_by(SettledTallyCell.event_id, *cells)).all()
    rows += db.session.execute(live).all()
    added = {key: defaultdict(lambda: defaultdict(lambda: [0, 0])) for key in keys}  # [count, key sum]
    codes = [(added[key], frozenset(BY_KEY[key].codes)) for key in keys]
    for event_id, *answers, count, key_sum in rows:
        for (by_event, allowed), answer in zip(codes, answers):
            if answer in allowed:
                sums = by_event[event_id][answer]
                sums[0] += count
                sums[1] += key_sum or 0
    return {key: {event_id: {answer: Cell(*sums) for answer, sums in by_answer.items()}
                  for event_id, by_answer in by_event.items()} for key, by_event in added.items()}


def _untallied(event_ids, tallied):
    """Of `event_ids` (a SELECT of Event.id), those not among `tallied`: the
    events whose records are read, so no other event's records are."""
    return event_ids if tallied is None else event_ids.where(Event.id.not_in(tallied))


def event_summaries(event_ids, *, tallied=None) -> list:
    """Each event's title, kind, start, how many came, and how many of them
    no registration names (walk-ins, and the extra people on a booking for
    several: they count as "Not answered"), oldest first. One pass over
    the attendance records of the events not among `tallied`
    (events.tallies.current_tallies), whose tallies say it already."""
    extra = case((Attendance.registration_id.is_(None), Attendance.people), else_=Attendance.people - 1)
    live = (select(Attendance.event_id, func.sum(Attendance.people).label("came"), func.sum(extra).label("unnamed"))
            .where(Attendance.event_id.in_(_untallied(event_ids, tallied))).group_by(Attendance.event_id))
    if tallied is None:
        came = live.subquery()
    else:
        came = union_all(live,
                         select(SettledTally.event_id, SettledTally.came, SettledTally.unnamed)
                         .where(SettledTally.event_id.in_(event_ids), SettledTally.event_id.in_(tallied))).subquery()
    return db.session.execute(
        select(Event.id, Event.title, Event.kind, Event.starts_at, func.coalesce(came.c.came, 0).label("came"),
               func.coalesce(came.c.unnamed, 0).label("unnamed"))
        .outerjoin(came, came.c.event_id == Event.id)
        .where(Event.id.in_(event_ids)).order_by(Event.starts_at, Event.id)
    ).all()


# --- what the report pages list ---------------------------------------------

def first_event_of_series(series_id: int) -> Event | None:
    """The series' earliest event: whose organisers may report on the series."""
    return db.session.scalar(select(Event).where(Event.series_id == series_id).order_by(Event.starts_at).limit(1))


def recent_reportable_events(limit: int, *, organised_by: int | None = None, now: datetime | None = None) -> list:
    """The latest events a report counts (published and started), newest
    first; with `organised_by`, only those that user organises."""
    query = select(Event).where(Event.status.in_(COUNTED_EVENT_STATUSES), Event.starts_at <= (now or utcnow()))
    if organised_by is not None:
        query = query.join(event_organisers).where(event_organisers.c.user_id == organised_by)
    return db.session.scalars(query.order_by(Event.starts_at.desc()).limit(limit)).all()


def forums_by_name() -> list:
    return db.session.scalars(select(Forum).order_by(Forum.name)).all()


def award_cycles_newest_first() -> list:
    return db.session.scalars(select(AwardCycle).order_by(AwardCycle.id.desc())).all()


def priorities_in_order() -> list:
    return db.session.scalars(select(CohesionPriority).order_by(CohesionPriority.position)).all()


def uploaded_baselines_newest_first() -> list:
    return db.session.scalars(select(UploadedBaseline).order_by(UploadedBaseline.uploaded_at.desc())).all()


_SCOPED = {"event": Event, "series": EventSeries, "forum": Forum, "cycle": AwardCycle, "priority": CohesionPriority}


class NoSuchScope(LookupError):
    pass


def report_subject(kind: str, object_id: int | None):
    """What a report is about, for the permission check: the event, the
    series' first event, the forum, the cycle; None for priorities and
    everything. NoSuchScope when the object is not there."""
    if kind == "all":
        return None
    found = db.session.get(_SCOPED[kind], object_id)
    if found is None:
        raise NoSuchScope(kind)
    if kind == "series":
        first = first_event_of_series(found.id)
        if first is None:
            raise NoSuchScope(kind)
        return first
    return None if kind == "priority" else found
