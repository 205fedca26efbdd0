"""Diversity and reach reports: who took part in a scope (an event, a
series, a forum, an award cycle, a cohesion priority or a date range),
compared with who lives in the county, and whether people from different
backgrounds met. Every figure leaves here already suppressed (suppression.py):
the HTML, CSV and PDF renderers only format it."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from core.database import LONDON
from core.equality import AGE_BAND, CHARACTERISTICS, ETHNIC_GROUP, NOT_ANSWERED, PREFER_NOT_TO_SAY, RELIGION
from core.extensions import db
from awards.models import AwardCycle
from events.models import CohesionPriority, Event, EventKind, EventSeries
from forums.models import Forum
from reports import queries
from reports.baselines import Baseline, Shares
from reports.suppression import PRIMARY_MARK, Line, Suppressed, suppress

UNDER_REPRESENTED = 0.8  # share among participants / share in the population
OVER_REPRESENTED = 1.25
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

    def event_ids(self):
        by_kind = {"event": "event_id", "series": "series_id", "forum": "forum_id", "priority": "priority_id"}
        arguments = {by_kind[self.kind]: self.object_id} if self.kind in by_kind else {}
        return queries.events_in(
            **arguments, kind=self.event_kind,
            starts=datetime.combine(self.starts, time(), LONDON) if self.starts else None,
            # Up to the start of the day after: the last day there is has none, so no end.
            ends=datetime.combine(self.ends + timedelta(days=1), time(), LONDON) if self.ends and self.ends < date.max
            else None)


SCOPE_KINDS = ("all", "event", "series", "forum", "cycle", "priority")


@dataclass
class Table:
    """One characteristic's counts for one group of people, each column
    (who came, who did not come...) suppressed on its own."""
    characteristic: object
    columns: dict[str, Suppressed]
    rows: list[str]
    baseline: Shares | None

    def shown(self, row: str, column: str):
        return self.columns[column].shown(row)

    def withheld(self, column: str) -> bool:
        return self.columns[column].withheld

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

    def ratio(self, row: str, column: str) -> float | None:
        share, population = self.share_among_answered(row, column), self.population_share(row)
        if share is None or not population:
            return None
        return share / population

    def representation(self, row: str, column: str) -> str | None:
        ratio = self.ratio(row, column)
        if ratio is None:
            return None
        if ratio < UNDER_REPRESENTED:
            return "under"
        if ratio > OVER_REPRESENTED:
            return "over"
        return "similar"

    def label(self, row: str) -> str:
        if row in ("answered", "total"):
            return row.capitalize()
        if row == NOT_ANSWERED and self.characteristic.adults_only:
            return "Not answered, or under 16 and not asked"
        return self.characteristic.label_of(row)


@dataclass
class Group:
    """The people a report counts in one way: who came to events, a forum's
    members, an award cycle's nominators..."""
    key: str
    label: str
    columns: tuple[str, ...]
    tables: list[Table]
    people: dict[str, int]
    respondents: dict[str, int | None]  # None where the response rate would give away a small number
    registered: int | None = None  # people who registered, for events (who came having registered + no-shows)

    def response_rate(self, column: str) -> float | None:
        respondents = self.respondents[column]
        return None if respondents is None else 100 * respondents / self.people[column]

    def too_few(self, column: str) -> bool:
        return 0 < self.people[column] < threshold()


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
    came: int = 0
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
        self.came += event.came
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
    baseline: Baseline
    groups: list[Group]
    reach: Suppressed | None = None
    events: list[EventMixing] = field(default_factory=list)
    quarters: list[Period] = field(default_factory=list)
    kinds: list[Period] = field(default_factory=list)
    everything: Period = field(default_factory=lambda: Period("All"))

    @property
    def has_suppression(self) -> bool:
        return any(cells.primary or cells.secondary or cells.withheld
                   for group in self.groups for table in group.tables for cells in table.columns.values())

    def events_per_person(self) -> float | None:
        if self.reach is None:
            return None
        named, attendances = self.reach.counts["named"], self.reach.counts["attendances"]
        if self.reach.withheld or named < self.threshold:
            return None
        return attendances / named

    def head_count(self, count: int) -> int | str:
        return shown_head_count(count, self.threshold)


def threshold() -> int:
    return current_app.config["REPORT_SUPPRESSION_THRESHOLD"]


def build(scope: Scope, title: str, baseline: Baseline) -> Report:
    limit = threshold()
    report = Report(scope=scope, title=title, threshold=limit, baseline=baseline, groups=[])
    if scope.kind == "cycle":
        for key, label, people in (("nominators", "Nominators", queries.nominators(scope.object_id)),
                                   ("nominees", "Nominees who answered themselves", queries.nominees(scope.object_id))):
            report.groups.append(_group(key, label, people, (key,), 0, baseline, limit))
        return report
    if scope.kind == "forum":
        report.groups.append(_group("members", "Members", queries.forum_members(scope.object_id), ("members",), 0,
                                    baseline, limit))
    event_ids = scope.event_ids()
    people = queries.participants(event_ids)
    events = queries.event_summaries(event_ids)
    unnamed = sum(event.unnamed for event in events)
    report.groups.append(_group("events", "At meetings" if scope.kind == "forum" else "At events", people,
                                ("came", "no_show"), unnamed, baseline, limit))
    figures = queries.reach(event_ids, people)
    # Walk-ins cannot be followed between events: they count in the head
    # count, but as neither first-time nor returning.
    figures |= {"named": figures["people"], "unnamed": unnamed, "people": figures["people"] + unnamed}
    report.reach = suppress(
        figures, [Line(("first_time", "returning"), "named"), Line(("named", "unnamed"), "people")], limit,
        unpublished=frozenset({"named", "unnamed", "attendances"}), fixed=frozenset({"people"}))
    report.reach.withheld |= 0 < figures["people"] < limit
    _mixing(report, events, event_ids, limit)
    return report


def _people_columns(people, columns):
    """The 0/1 columns a tally counts: who came, and who registered but did not come."""
    if columns[0] != "came":
        return people
    return select(people.c.person_key, people.c.attended.label("came"),
                  (1 - people.c.attended).label("no_show"), people.c.attendances).subquery()


def _group(key, label, people, columns, unnamed, baseline, limit) -> Group:
    counts, respondents = queries.tally(_people_columns(people, columns), columns)
    head_counts = {column: sum(by_column[column] for by_column in counts["age_band"].values())
                   for column in columns}
    if "came" in columns:
        # Walk-ins and the extra people on a booking: nobody answered for them.
        head_counts["came"] += unnamed
        for characteristic in CHARACTERISTICS:
            if characteristic.key != "disability_impact":
                counts[characteristic.key][NOT_ANSWERED]["came"] += unnamed
    # The response rate is published only when neither those who answered
    # nor those who did not are a small number: "not answered" is at least
    # the people who answered nothing, so a small one would narrow it down.
    published_respondents = {column: respondents[column] if min(
        respondents[column], head_counts[column] - respondents[column]) >= limit else None for column in columns}
    # What anyone can tell "not answered" is at least: the people who answered
    # nothing (when the response rate is shown), and the walk-ins (who can be
    # worked out from the head counts and the reach).
    floors = {column: [head_counts[column] - respondents[column]] if published_respondents[column] is not None
              else [] for column in columns}
    if "came" in columns:
        floors["came"].append(unnamed)
    tables = []
    for characteristic in CHARACTERISTICS:
        if characteristic.key == "disability_impact":
            # Its people are those who said yes to the condition question,
            # so it can be published only where that count is.
            base = {column: tables[-1].columns[column].value("yes") for column in columns}
            tables.append(characteristic_table(characteristic, counts[characteristic.key], columns, base,
                                               {column: [] for column in columns}, baseline, limit))
        else:
            tables.append(characteristic_table(characteristic, counts[characteristic.key], columns, head_counts,
                                               floors, baseline, limit))
    registered = head_counts["came"] - unnamed + head_counts["no_show"] if "came" in columns else None
    return Group(key, label, columns, tables, head_counts, published_respondents, registered)


def characteristic_table(characteristic, counts, columns, totals, floors, baseline, limit) -> Table:
    """One characteristic's table. `counts` is {category: {column: n}};
    `totals` the published head count of each column (None: not publishable,
    so the column is withheld); `floors` the published figures each column's
    "not answered" is known to be at least."""
    rows = characteristic.report_codes
    suppressed = {}
    for column in columns:
        cells = {row: counts.get(row, {}).get(column, 0) for row in rows}
        cells["answered"] = sum(cells[row] for row in characteristic.codes)
        cells["total"] = sum(cells[row] for row in ("answered", PREFER_NOT_TO_SAY, NOT_ANSWERED))
        lines = [Line(tuple(characteristic.codes), "answered"),
                 Line(("answered", PREFER_NOT_TO_SAY, NOT_ANSWERED), "total")]
        fixed, unpublished = {"total"}, set()
        for number, floor in enumerate(floors[column]):
            cells[("floor", number)], cells[("rest", number)] = floor, cells[NOT_ANSWERED] - floor
            lines.append(Line((("floor", number), ("rest", number)), NOT_ANSWERED))
            fixed.add(("floor", number))
            unpublished.add(("rest", number))
        if totals[column] is None or totals[column] != cells["total"] or 0 < totals[column] < limit:
            suppressed[column] = Suppressed(cells, limit, withheld=True)
        else:
            suppressed[column] = suppress(cells, lines, limit, unpublished=frozenset(unpublished),
                                          fixed=frozenset(fixed))
    return Table(characteristic, suppressed, rows, baseline.by_characteristic.get(characteristic.key))


def diversity_index(counts: list[int]) -> float | None:
    """The chance that two different people picked at random from those
    counted gave different answers (Simpson's index of diversity)."""
    total = sum(counts)
    if total < 2:
        return None
    return 1 - sum(n * (n - 1) for n in counts) / (total * (total - 1))


def _mixing(report: Report, events: list, event_ids, limit: int) -> None:
    by_characteristic = queries.mixing(event_ids, tuple(characteristic.key
                                                        for characteristic in MIXING_CHARACTERISTICS))
    quarters, kinds = {}, {}
    for event in events:
        mixing = EventMixing(event.id, event.title, event.kind, event.starts_at, event.came, {}, {})
        for key, by_event in by_characteristic.items():
            counts = [n for n in by_event.get(event.id, {}).values() if n]
            answered = sum(counts)
            # An index is published only when every group present is big
            # enough to publish on its own: then it reveals nothing the
            # counts would not.
            safe = answered >= limit and all(n >= limit for n in counts)
            mixing.index[key] = diversity_index(counts) if safe else None
            mixing.groups_met[key] = len(counts) >= GROUPS_THAT_MEET if answered >= limit else None
        report.events.append(mixing)
        starts = event.starts_at.astimezone(LONDON)
        quarter = f"{starts.year} Q{(starts.month - 1) // 3 + 1}"
        for period in (quarters.setdefault(quarter, Period(quarter)),
                       kinds.setdefault(event.kind, Period(event.kind.plural)), report.everything):
            period.add(mixing)
    report.quarters = list(quarters.values())
    report.kinds = [kinds[kind] for kind in EventKind if kind in kinds]


def shown_head_count(count: int, limit: int) -> int | str:
    """A number of people (at an event, in a period, nominations) as
    published: a small one as "<5", like every other count."""
    return count if count == 0 or count >= limit else PRIMARY_MARK.format(threshold=limit)


def scope_title(scope: Scope) -> str:
    """A plain description of the scope, for headings and file names."""
    model = {"event": Event, "series": EventSeries, "forum": Forum, "cycle": AwardCycle,
             "priority": CohesionPriority}.get(scope.kind)
    if model is None:
        name = "All events"
    elif scope.kind == "series":
        first = db.session.scalar(select(Event.title).where(Event.series_id == scope.object_id)
                                  .order_by(Event.starts_at).limit(1))
        name = f"{first}, every date"
    else:
        found = db.session.get(model, scope.object_id)
        name = getattr(found, "title", None) or getattr(found, "name")
    if scope.starts or scope.ends:
        name += f", {scope.starts.strftime('%-d %B %Y') if scope.starts else 'the start'}" \
                f" to {scope.ends.strftime('%-d %B %Y') if scope.ends else 'today'}"
    return name


def key_findings(report: Report) -> list[str]:
    """The report's main points in plain words, from its published figures only."""
    findings = []
    for group in report.groups:
        column = group.columns[0]
        noun = {"came": "people came", "members": "active members", "nominators": "people nominated",
                "nominees": "nominees"}[column]
        if group.too_few(column):
            findings.append(f"{group.label}: fewer than {report.threshold} {noun}, too few to report on.")
            continue
        sentence = f"{group.label}: {group.people[column]} {noun}"
        if group.key == "events":
            sentence += f" to {len(report.events)} event{'s' if len(report.events) != 1 else ''}"
        rate = group.response_rate(column)
        sentence += (f"; {rate:.0f}% of them answered the equality monitoring questions." if rate is not None
                     else "; the share who answered the equality questions is not shown because a number in it is"
                          " small.")
        findings.append(sentence)
        for table in group.tables:
            if table.baseline is None or table.withheld(column):
                continue
            for row in table.characteristic.codes:
                ratio, representation = table.ratio(row, column), table.representation(row, column)
                if representation in ("under", "over"):
                    findings.append(
                        f"{table.label(row)} ({table.characteristic.label.lower()}): "
                        f"{'under' if representation == 'under' else 'over'}-represented, at {ratio:.1f} times "
                        f"their share of the population ({table.baseline.area}).")
    share = report.everything.share_met(ETHNIC_GROUP.key)
    if share is not None:
        findings.append(f"At {share:.0f}% of the events where enough people answered, people from at "
                        f"least {GROUPS_THAT_MEET} ethnic groups met.")
    return findings


def method_notes(limit: int) -> list[str]:
    """How the figures are made, for the page and the PDF."""
    return [
        "People are counted once each in the period, however many events they came to. Walk-ins and the extra "
        "people on a booking for several count as people who came, under “Not answered”.",
        "Shares compared with the population leave out “Prefer not to say” and “Not answered”, and the census's "
        "“Not stated”: both sides are shares of people who gave an answer. The ratio is the participants' share "
        f"divided by the population's: below {UNDER_REPRESENTED} is shown as under-represented, above "
        f"{OVER_REPRESENTED} as over-represented.",
        f"Small numbers: counts from 1 to {limit - 1} are shown as <{limit}. Where a hidden count could still be "
        "worked out from the totals, another figure is hidden as well ([c]); where no pattern of hidden figures "
        f"protects a table, or fewer than {limit} people are in it, the whole table is withheld. Percentages and "
        "indices are withheld where the figures they rest on are.",
        "The diversity index is the chance that two people picked at random from those at an event who answered "
        "gave different answers: 0 when everyone gave the same answer, nearer 1 the more mixed. It is withheld "
        f"for an event where any group was smaller than {limit}, because it could give that group away.",
    ]
