"""Diversity and reach reports: who took part in a scope (an event, a
series, a forum, an award cycle, a cohesion priority or a date range),
compared with who lives in the county, and whether people from different
backgrounds met. Every figure leaves here already suppressed (suppression.py):
the HTML, CSV and PDF renderers only format it."""
import enum
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from math import sqrt

from flask import current_app
from sqlalchemy import func, select

from core.database import LONDON, in_london, utcnow
from core.equality.services import (AGE_BAND, CHARACTERISTICS, ETHNIC_GROUP, NOT_ANSWERED, PREFER_NOT_TO_SAY, RELIGION,
                                   record_key_secret)
from awards.models import AwardCycle
from core.accounts.models import User
from core.extensions import db
from core.formatting import format_date
from events import tallies
from events.models import Event, EventKind
from forums.services.coordinators import is_coordinator
from reports import queries
from reports.baselines import Baseline, Shares
from reports.permissions import RUNS_IT
from reports.quarters import quarter_end_day, quarter_label, quarter_start, quarter_start_day, settled_until
from reports.perturbation import EMPTY, MAX_CHANGE, perturb
from reports.suppression import Line, Suppressed, TrueScale, suppress

UNDER_REPRESENTED = 0.8  # share among participants / share in the population
OVER_REPRESENTED = 1.25
# A comparison with the population is made only where at least this many
# people of the category would be expected among those who answered.
EXPECTED_AT_LEAST = 5
Z_95 = 1.96
MIXING_CHARACTERISTICS = (ETHNIC_GROUP, RELIGION, AGE_BAND)
GROUPS_THAT_MEET = 3

COLUMN_LABELS = {"came": "Came", "no_show": "Registered, did not come",
                 "members": "Members", "nominators": "Nominators", "nominees": "Nominees"}


@dataclass(frozen=True)
class Scope:
    """What a report covers. `kind` is one of SCOPE_KINDS; `object_id`
    names the event, series, forum, cycle or priority."""
    kind: str
    object_id: int | None = None
    starts: date | None = None
    ends: date | None = None  # inclusive
    event_kind: EventKind | None = None  # only events of this kind (the standing conference's, say)

    def event_ids(self, *, settled: bool | None = None, now: datetime | None = None):
        """The events counted; `settled` True or False keeps only those whose
        attendance is (or is not yet) settled."""
        by_kind = {"event": "event_id", "series": "series_id", "forum": "forum_id", "priority": "priority_id"}
        arguments = {by_kind[self.kind]: self.object_id} if self.kind in by_kind else {}
        return queries.events_in(
            **arguments, kind=self.event_kind, settled=settled, now=now,
            starts=datetime.combine(self.starts, time(), LONDON) if self.starts else None,
            # Up to the start of the day after: the last day there is has none, so no end.
            ends=datetime.combine(self.ends + timedelta(days=1), time(), LONDON) if self.ends and self.ends < date.max
            else None)

    @property
    def one_event(self) -> bool:
        return self.kind == "event"


SCOPE_KINDS = ("all", "event", "series", "forum", "cycle", "priority")


class Representation(enum.Enum):
    """How a category's share among those who answered compares with its
    share of the population (Table.representation). Only a difference is a
    tag (templates/_macros/status.html); the others are said in words."""
    UNDER = "under"
    OVER = "over"
    SIMILAR = "similar"
    UNCLEAR = "unclear"

    @property
    def label(self) -> str:
        return {Representation.UNDER: "Under-represented", Representation.OVER: "Over-represented",
                Representation.SIMILAR: "Similar", Representation.UNCLEAR: "No clear difference"}[self]

    @property
    def tag(self) -> str | None:
        return {Representation.UNDER: "govuk-tag--orange", Representation.OVER: "govuk-tag--blue"}.get(self)


@dataclass
class Table:
    """One characteristic's published (perturbed, then suppressed) counts
    for one group of people, each column (who came, who did not come...)
    on its own."""
    characteristic: object
    columns: dict[str, Suppressed]
    rows: list[str]
    baseline: Shares | None

    def shown(self, row: str, column: str):
        return self.columns[column].shown(row)

    def withheld(self, column: str) -> bool:
        return self.columns[column].withheld

    def nobody_answered(self, column: str) -> bool:
        """No one gave any answer to this question: zeros here mean nothing."""
        return self.columns[column].counts["answered"] == 0

    def percent(self, row: str, column: str) -> float | None:
        share = self.columns[column].share(row, "total")
        return None if share is None else 100 * share

    def share_among_answered(self, row: str, column: str) -> float | None:
        """A category's share of those who gave one: what compares with the population."""
        if row not in self.characteristic.codes:
            return None
        return self.columns[column].share(row, "answered")

    def population_share(self, row: str) -> float | None:
        return self.baseline.share_of(row) if self.baseline else None

    def expected(self, row: str, column: str) -> float | None:
        """How many of those who answered would be in this category if they
        were like the population."""
        answered, population = self.columns[column].value("answered"), self.population_share(row)
        return None if answered is None or population is None else answered * population

    def ratio(self, row: str, column: str) -> float | None:
        """Participants' share over the population's, only where enough
        people would be expected for the comparison to mean something."""
        share, population, expected = (self.share_among_answered(row, column), self.population_share(row),
                                       self.expected(row, column))
        if share is None or not population or expected < EXPECTED_AT_LEAST:
            return None
        return share / population

    def ratio_interval(self, row: str, column: str) -> tuple[float, float] | None:
        """The ratio's 95% interval (Wilson's, on the share among those who answered)."""
        if self.ratio(row, column) is None:
            return None
        low, high = wilson_interval(self.columns[column].value(row), self.columns[column].value("answered"))
        population = self.population_share(row)
        return low / population, high / population

    def representation(self, row: str, column: str) -> Representation | None:
        """UNDER or OVER only when the whole 95% interval is beyond the band;
        SIMILAR when the interval lies within it; UNCLEAR otherwise; None
        where too few people would be expected to compare at all."""
        interval = self.ratio_interval(row, column)
        if interval is None:
            return None
        low, high = interval
        if high < UNDER_REPRESENTED:
            return Representation.UNDER
        if low > OVER_REPRESENTED:
            return Representation.OVER
        if low >= UNDER_REPRESENTED and high <= OVER_REPRESENTED:
            return Representation.SIMILAR
        return Representation.UNCLEAR

    def label(self, row: str) -> str:
        if row in ("answered", "total"):
            return row.capitalize()
        if row == NOT_ANSWERED and self.characteristic.adults_only:
            return "Not answered, or under 16 and not asked"
        return self.characteristic.label_of(row)


def wilson_interval(part: int, whole: int) -> tuple[float, float]:
    """95% interval for a share part/whole (Wilson score)."""
    share = part / whole
    centre = (share + Z_95 ** 2 / (2 * whole)) / (1 + Z_95 ** 2 / whole)
    spread = Z_95 * sqrt(share * (1 - share) / whole + Z_95 ** 2 / (4 * whole ** 2)) / (1 + Z_95 ** 2 / whole)
    return max(0.0, centre - spread), min(1.0, centre + spread)


@dataclass
class Group:
    """The people a report counts in one way: who came to events, a forum's
    members, an award cycle's nominators..."""
    key: str
    label: str
    columns: tuple[str, ...]
    tables: list[Table]
    people: dict[str, int]  # named people in each column, exactly (not equality data)
    respondents: dict[str, int | None]  # perturbed; None where the response rate would give away a small number
    registered: int | None = None  # people who registered, for events (who came having registered + no-shows)
    breakdowns_withheld: str | None = None  # why there are no tables, in words

    def response_rate(self, column: str) -> float | None:
        respondents = self.respondents[column]
        return None if respondents is None or not self.people[column] else 100 * respondents / self.people[column]


@dataclass
class Reach:
    """Who came, followed between events where a registration names them.
    Head counts, not equality data: exact. named + unnamed = people;
    first_time + returning = named (both None in a headline build)."""
    people: int
    named: int
    unnamed: int  # walk-ins and the extra people on a booking for several
    first_time: int | None
    returning: int | None
    attendances: int  # every time anyone came, walk-ins included

    def events_per_person(self) -> float | None:
        return self.attendances / self.people if self.people else None


@dataclass
class EventMixing:
    event_id: int
    title: str
    kind: EventKind
    starts_at: datetime
    came: int
    index: dict[str, float | None]  # characteristic -> diversity index, None when withheld
    groups_met: dict[str, bool | None]  # at least GROUPS_THAT_MEET groups present, None when too few answered


@dataclass
class Period:
    label: str
    events: int = 0
    people: int = 0  # different people who came: named ones once each, plus walk-ins
    indices: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    met: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))

    def mean_index(self, key: str) -> float | None:
        values = self.indices[key]
        return sum(values) / len(values) if values else None

    def share_met(self, key: str) -> float | None:
        values = self.met[key]
        return 100 * sum(values) / len(values) if values else None

    def add(self, event: EventMixing) -> None:
        """Count an event in, with whatever of its mixing could be published."""
        self.events += 1
        for key, index in event.index.items():
            if index is not None:
                self.indices[key].append(index)
        for key, met in event.groups_met.items():
            if met is not None:
                self.met[key].append(met)


@dataclass
class Report:
    scope: Scope
    title: str
    threshold: int
    minimum_respondents: int
    baseline: Baseline
    groups: list[Group]
    reach: Reach | None = None
    events: list[EventMixing] = field(default_factory=list)
    quarters: list[Period] = field(default_factory=list)
    kinds: list[Period] = field(default_factory=list)
    everything: Period = field(default_factory=lambda: Period("All"))
    # Events in the scope not counted yet because their attendance has not settled: (title, starts, settles).
    unsettled: list = field(default_factory=list)
    provisional: bool = False  # one event, not settled yet: its totals may still change
    counted_until: date | None = None  # several events: the end of the last quarter counted
    next_counted_on: date | None = None  # when the quarter after that will be counted
    breakdowns_withheld: str | None = None  # why nobody split by an answer is shown to this reader

    @property
    def has_breakdowns(self) -> bool:
        return any(group.tables for group in self.groups)


def threshold() -> int:
    return current_app.config["REPORT_SUPPRESSION_THRESHOLD"]


def minimum_respondents() -> int:
    return current_app.config["REPORT_MINIMUM_RESPONDENTS"]


def build(scope: Scope, title: str, baseline: Baseline, *, breakdowns_withheld: str | None = None,
          reader_id: int | None = None, now: datetime | None = None, from_tallies: bool = True,
          headline: bool = False) -> Report:
    """The report on `scope`. `breakdowns_withheld` says why this reader may
    not see figures split by an equality answer (None: they may); the
    report leaves them out entirely then, so no template can show them.
    `reader_id`: the person reading, who may not see breakdowns of figures
    that include an event they run (None: open data, made for no one).
    Settled events' per-event figures are added up from their tallies
    (events/tallies.py); `from_tallies=False` counts everything live, the
    same figures (tests compare the two). A `headline` build has only what a
    year-on-year row shows (events, different people, who answered, mixing):
    no forum members, and who came not split into first time and returning
    (who came before is most of a forum's build)."""
    now = now or utcnow()
    tallied = tallies.current_tallies(now) if from_tallies else None
    limit, secret = threshold(), record_key_secret()
    report = Report(scope=scope, title=title, threshold=limit, minimum_respondents=minimum_respondents(),
                    baseline=baseline, groups=[], breakdowns_withheld=breakdowns_withheld)
    if scope.kind == "cycle":
        report.breakdowns_withheld = report.breakdowns_withheld or _cycle_not_final(scope.object_id)
        for key, label, people in (("nominators", "Nominators", queries.nominators(scope.object_id)),
                                   ("nominees", "Nominees who answered themselves", queries.nominees(scope.object_id))):
            report.groups.append(_group(report, key, label, people, (key,), secret))
        return report
    if scope.one_event:
        counted = scope
        event_ids = scope.event_ids(now=now)
        report.provisional = not db.session.scalar(select(func.count()).select_from(
            scope.event_ids(settled=True, now=now).subquery()))
    else:
        # Counted up to the end of the last quarter whose events have all
        # settled: a report grows a whole quarter at a time, never one event.
        counted = replace(scope, ends=min(scope.ends or date.max, settled_until(now)))
        report.counted_until = counted.ends
        report.next_counted_on = quarter_end_day(settled_until(now) + timedelta(days=1)) + timedelta(
            days=current_app.config["ATTENDANCE_SETTLES_AFTER_DAYS"] + 1)
        event_ids = counted.event_ids(settled=True, now=now)
        report.unsettled = queries.events_listed(scope.event_ids(now=now).where(Event.id.not_in(event_ids)))
    events = queries.event_summaries(event_ids, tallied=tallied)
    with queries.participation(event_ids, _quarter_starts(events)) as participation:
        _withhold_breakdowns(report, scope, counted, event_ids, participation, reader_id, now)
        if scope.kind == "forum" and not headline:
            report.groups.append(_members(report, scope.object_id, counted.ends, secret))
        people = participation.people()
        report.groups.append(_group(report, "events", "At meetings" if scope.kind == "forum" else "At events",
                                    people, ("came", "no_show"), secret))
        unnamed = sum(event.unnamed for event in events)
        figures = queries.reach(event_ids, people, split=not headline)
        report.reach = Reach(people=figures["named"] + unnamed, unnamed=unnamed,
                             attendances=sum(event.came for event in events), **figures)
        _mixing(report, events, event_ids, secret, tallied, participation)
    return report


def _cycle_not_final(cycle_id: int) -> str | None:
    """Why a cycle's breakdowns are not shown yet, or None once its results are
    published. Until then its nominators and nominees change a nomination at a
    time (one more nominated, one screened out), and noise hides how many
    people a cell holds, not whether it changed: two reports a day apart
    would show which answers the one new person gave."""
    if db.session.scalar(select(AwardCycle.results_published_at).where(AwardCycle.id == cycle_id)) is not None:
        return None
    return ("A cycle's breakdowns are shown once its winners are announced: until then its nominators and "
            "nominees change one nomination at a time, so two reports a day apart could be compared to single "
            "someone out.")


def _withhold_breakdowns(report: Report, scope: Scope, counted: Scope, event_ids, participation, reader_id, now):
    """Say why the report shows no breakdowns, where it may not."""
    if report.breakdowns_withheld is None and reader_id is not None and (
            queries.any_run_by(event_ids, reader_id)
            or (scope.kind == "forum" and is_coordinator(db.session.get(User, reader_id), scope.object_id))):
        report.breakdowns_withheld = RUNS_IT  # a forum's coordinators change its members, meetings or none
    if report.breakdowns_withheld is None and queries.any_reopened(event_ids, now):
        report.breakdowns_withheld = ("An admin has reopened attendance at an event counted here, so its figures may "
                                      "change: breakdowns come back once it has settled again.")
    report.breakdowns_withheld = report.breakdowns_withheld or _differencing_risk(
        scope, counted, participation, now, report.minimum_respondents)
    if report.provisional:
        report.breakdowns_withheld = report.breakdowns_withheld or (
            "Attendance at this event has not settled yet, so its figures may still change: breakdowns are shown "
            "once it has.")


def _differencing_risk(asked: Scope, counted: Scope, participation, now: datetime, minimum: int) -> str | None:
    """Why this report's breakdowns could be subtracted from another's to
    single people out, or None. Noise hides how many people a difference
    holds, not whether a cell changed: so a published breakdown must not
    differ by a few people from its neighbours. Dates move in whole quarters;
    moving either end by a quarter, or comparing a part of everything (an
    event, a series, a forum's meetings, a priority) with everything in the
    same dates, changes who answered by none or by many. `participation`
    is the counted events' (queries.participation), by quarter."""
    if (asked.starts and asked.starts != quarter_start_day(asked.starts)) or \
            (asked.ends and asked.ends < date.max and asked.ends != quarter_end_day(asked.ends)):
        return ("Breakdowns cover whole quarters (1 January to 31 March, and so on), so that two reports a few "
                "days apart cannot be compared to single someone out. Choose dates that start and end a quarter.")
    respondents, without_first, without_last = participation.respondents()
    if respondents < minimum - MAX_CHANGE:
        return None  # too few to break down even with the noise, which each group says itself
    few = f"fewer than {minimum} people who answered"
    neighbours = []  # (how many who answered it would count differently, why that withholds the breakdowns)
    if counted.kind in ("event", "series", "forum", "priority"):
        everything = Scope("all", starts=counted.starts, ends=counted.ends)
        neighbours.append((queries.respondents_differing(
            participation.people(), queries.participants(everything.event_ids(settled=True, now=now))),
            f"Answers are not broken down here: the report on all events for the same dates counts {few} more, "
            "and comparing the two could single them out."))
    if not counted.one_event:
        # A quarter less at either end of the quarters that hold events (an
        # empty quarter at an end would make a report its own neighbour).
        first, last = queries.first_and_last_days(counted.event_ids(settled=True, now=now))
        if first is not None:
            later = quarter_end_day(first) + timedelta(days=1)
            earlier = quarter_start_day(last) - timedelta(days=1)
            neighbours.append((without_first,
                               f"Answers are not broken down here: starting on {format_date(later)} instead would "
                               f"leave out {few}, and comparing the two reports could single them out. Choose other "
                               "dates to see the breakdowns."))
            neighbours.append((without_last,
                               f"Answers are not broken down here: ending on {format_date(earlier)} instead would "
                               f"leave out {few}, and comparing the two reports could single them out. Choose other "
                               "dates to see the breakdowns."))
    for differing, why in neighbours:
        if 0 < differing < minimum:
            return why
    return None


def _members(report: Report, forum_id: int, counted_until: date, secret: str) -> Group:
    """The forum's members as they were at the end of the last quarter
    counted, never as they are (nor on any other day): breakdowns that moved
    the day after someone joined or left would show that person's answers.
    They are held back, too, where this quarter's members would differ by a
    few who answered from another quarter's whose breakdowns are shown
    (_members_shown_at)."""
    on = counted_until if counted_until == quarter_end_day(counted_until) else \
        quarter_start_day(counted_until) - timedelta(days=1)
    members = queries.forum_members(forum_id, _day_after(on))
    withheld = None
    if report.breakdowns_withheld is None and not _members_shown_at(forum_id, on, report.minimum_respondents):
        withheld = (f"The members' answers are not broken down here: the members who answered at the end of another "
                    f"quarter differ from these by fewer than {report.minimum_respondents} people, whose answers "
                    "comparing the two would show.")
    return _group(report, "members", f"Members on {format_date(on)}", members, ("members",), secret,
                  withheld=withheld)


def _members_shown_at(forum_id: int, on: date, minimum: int) -> bool:
    """Whether the members' breakdowns at the end of the quarter ending `on`
    may be shown: going through every quarter end since the forum's first
    member, a quarter's are shown only where the members who answered then
    differ by none or by at least `minimum` people from those of every
    earlier quarter whose were shown. So no two reports a monitor can ask
    for (any two quarters, a year's progress report and the next) differ by
    a few people. Worked out from every spell of the members who answered,
    the same for every reader."""
    spells = queries.answering_member_spells(forum_id)
    if not spells:
        return True
    quarter = quarter_end_day(in_london(min(started for _key, started, _ended in spells)).date())
    shown: list[frozenset] = []
    while quarter < on:
        members = _members_at(spells, _day_after(quarter))
        if _differs_by_none_or_many(members, shown, minimum) and len(members) >= max(minimum - MAX_CHANGE, 1):
            shown.append(members)  # its breakdowns may be shown (noise can lift it to the minimum, never from 0)
        quarter = quarter_end_day(quarter + timedelta(days=1))
    return _differs_by_none_or_many(_members_at(spells, _day_after(on)), shown, minimum)


def _members_at(spells, moment: datetime) -> frozenset:
    return frozenset(key for key, started, ended in spells if started < moment and (ended is None or ended >= moment))


def _differs_by_none_or_many(members: frozenset, shown: list[frozenset], minimum: int) -> bool:
    return all(not 0 < len(members ^ other) < minimum for other in shown)


def _day_after(day: date) -> datetime:
    """The first moment after the London day `day`."""
    return datetime.combine(day + timedelta(days=1), time(), LONDON)


def _people_columns(people, columns):
    """The 0/1 columns a tally counts: who came, and who registered but did not come."""
    if columns[0] != "came":
        return people
    return select(people.c.person_key, people.c.attended.label("came"),
                  (1 - people.c.attended).label("no_show")).subquery()


def _group(report: Report, key, label, people, columns, secret, *, withheld: str | None = None) -> Group:
    """`withheld`: why this group alone shows no breakdowns, if so."""
    limit = report.threshold
    counts, respondents = queries.tally(_people_columns(people, columns), columns, secret)
    head_counts = {column: sum(by_column[column].count for by_column in counts["age_band"].values())
                   for column in columns}
    answered = {column: perturb(respondents[column]) for column in columns}
    # The response rate is published only when neither those who answered
    # nor those who did not are a small number.
    published_respondents = {column: answered[column] if min(answered[column], head_counts[column] -
                                                             answered[column]) >= limit else None
                             for column in columns}
    registered = head_counts["came"] + head_counts["no_show"] if "came" in columns else None
    group = Group(key, label, columns, [], head_counts, published_respondents, registered,
                  breakdowns_withheld=report.breakdowns_withheld or withheld)
    if group.breakdowns_withheld is None and answered[columns[0]] < report.minimum_respondents:
        group.breakdowns_withheld = (f"Fewer than {report.minimum_respondents} people here answered the equality "
                                     "questions, so their answers are not broken down.")
    if group.breakdowns_withheld is not None:
        return group
    # What anyone can tell "not answered" is at least, on the true scale:
    # the people who answered nothing, from the published response rate.
    floors = {column: {NOT_ANSWERED: head_counts[column] - published_respondents[column] - MAX_CHANGE}
              if published_respondents[column] is not None else {} for column in columns}
    for characteristic in CHARACTERISTICS:
        if characteristic.key == "disability_impact":
            # Its people are those who said yes to the condition question: how
            # many is itself a perturbed figure, so its total is not exact.
            group.tables.append(characteristic_table(characteristic, counts[characteristic.key], columns,
                                                     {column: None for column in columns},
                                                     {column: {} for column in columns}, report.baseline, limit,
                                                     minimum=report.minimum_respondents))
        else:
            group.tables.append(characteristic_table(characteristic, counts[characteristic.key], columns,
                                                     head_counts, floors, report.baseline, limit,
                                                     minimum=report.minimum_respondents))
    return group


def characteristic_table(characteristic, counts, columns, head_counts, floors, baseline, limit, *,
                         minimum: int = 0) -> Table:
    """One characteristic's table. `counts` is {category: {column: Cell}};
    `head_counts` the exact number of people each column counts (None: not
    published); `floors` what each column's true counts are known to be at
    least. Every count is perturbed; "answered" and "total" are the sums of
    the published counts, so the table adds up as printed."""
    rows = characteristic.report_codes
    suppressed = {}
    for column in columns:
        cells = {row: perturb(counts.get(row, {}).get(column, EMPTY)) for row in rows}
        cells["answered"] = sum(cells[row] for row in characteristic.codes)
        cells["total"] = sum(cells[row] for row in ("answered", PREFER_NOT_TO_SAY, NOT_ANSWERED))
        lines = [Line(tuple(characteristic.codes), "answered"),
                 Line(("answered", PREFER_NOT_TO_SAY, NOT_ANSWERED), "total")]
        fixed, unpublished = {"total"}, set()
        for row, floor in floors[column].items():
            # On the published scale the floor is lower by the noise.
            cells[("floor", row)], cells[("rest", row)] = floor - MAX_CHANGE, cells[row] - floor + MAX_CHANGE
            if cells[("rest", row)] >= 0 and floor - MAX_CHANGE > 0:
                lines.append(Line((("floor", row), ("rest", row)), row))
                fixed.add(("floor", row))
                unpublished.add(("rest", row))
            else:
                del cells[("floor", row)], cells[("rest", row)]
        truth = TrueScale(tuple(rows), head_counts[column], MAX_CHANGE,
                          {row: floor for row, floor in floors[column].items() if floor > 0})
        if 0 < cells["total"] < limit or 0 < cells["answered"] < minimum:
            # Too few people, or too few who answered this question (a condition's effect, say).
            suppressed[column] = Suppressed(cells, limit, withheld=True)
        else:
            suppressed[column] = suppress(cells, lines, limit, unpublished=frozenset(unpublished),
                                          fixed=frozenset(fixed), truth=truth)
    return Table(characteristic, suppressed, rows, baseline.by_characteristic.get(characteristic.key))


def diversity_index(counts: list[int]) -> float | None:
    """The chance that two different people picked at random from those
    counted gave different answers (Simpson's index of diversity)."""
    total = sum(counts)
    if total < 2:
        return None
    return 1 - sum(n * (n - 1) for n in counts) / (total * (total - 1))


def _mixing(report: Report, events: list, event_ids, secret: str, tallied, participation) -> None:
    """Each event's mixing (from perturbed counts, and only where the reader
    may see breakdowns), and the periods' events and different people."""
    by_characteristic = {} if report.breakdowns_withheld else queries.mixing(
        event_ids, tuple(characteristic.key for characteristic in MIXING_CHARACTERISTICS), secret, tallied=tallied)
    limit = report.threshold
    quarters, kinds = {}, {}
    for event in events:
        mixing = EventMixing(event.id, event.title, event.kind, event.starts_at, event.came,
                             {characteristic.key: None for characteristic in MIXING_CHARACTERISTICS},
                             {characteristic.key: None for characteristic in MIXING_CHARACTERISTICS})
        for key, by_event in by_characteristic.items():
            counts = [n for n in (perturb(cell) for cell in by_event.get(event.id, {}).values()) if n]
            answered = sum(counts)
            if answered < report.minimum_respondents:
                continue
            # An index is published only when every group present is big
            # enough to publish on its own: then it reveals nothing the
            # counts would not.
            if all(n >= limit for n in counts):
                mixing.index[key] = diversity_index(counts)
            mixing.groups_met[key] = len(counts) >= GROUPS_THAT_MEET
        report.events.append(mixing)
        quarter = quarter_label(event.starts_at)
        for period in (quarters.setdefault(quarter, Period(quarter)),
                       kinds.setdefault(event.kind, Period(event.kind.plural)), report.everything):
            period.add(mixing)
    report.quarters = list(quarters.values())
    report.kinds = [kinds[kind] for kind in EventKind if kind in kinds]
    _count_people(report, events, participation)


def _quarter_starts(events: list) -> list[datetime]:
    """When each quarter holding any of the events (oldest first) starts."""
    return list({quarter_label(event.starts_at): quarter_start(event.starts_at) for event in events}.values())


def _count_people(report: Report, events: list, participation) -> None:
    """Different people in each period, counted as the report counts them
    (each named person once, each walk-in once), so a quarter's row is the
    same figure as that quarter's own report. `participation` is by quarter."""
    by_quarter = participation.named_people_by("period")
    by_kind = participation.named_people_by("kind")
    unnamed_by_quarter, unnamed_by_kind = defaultdict(int), defaultdict(int)
    for event in events:
        unnamed_by_quarter[quarter_label(event.starts_at)] += event.unnamed
        unnamed_by_kind[event.kind] += event.unnamed
    for number, period in enumerate(report.quarters):
        period.people = by_quarter.get(number, 0) + unnamed_by_quarter[period.label]
    kinds = [kind for kind in EventKind if kind in unnamed_by_kind]
    for kind, period in zip(kinds, report.kinds):
        period.people = by_kind.get(kind, 0) + unnamed_by_kind[kind]
    report.everything.people = report.reach.people


