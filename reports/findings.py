"""A report in words: its title, its dates, its key findings and how its
figures are made, from its published figures only."""
from datetime import date

from sqlalchemy import select

from awards.models import AwardCycle
from core.database import LONDON
from core.equality.services import ETHNIC_GROUP
from core.extensions import db
from core.formatting import counted, format_date
from events.models import CohesionPriority, Event, EventSeries
from forums.models import Forum
from reports.services import (EXPECTED_AT_LEAST, GROUPS_THAT_MEET, OVER_REPRESENTED, UNDER_REPRESENTED, Report,
                              Representation, Scope)


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
    if scope.starts and scope.ends:
        name += f", {format_date(scope.starts)} to {format_date(scope.ends)}"
    elif scope.starts or scope.ends:
        name += f", from {format_date(scope.starts)}" if scope.starts else f", up to {format_date(scope.ends)}"
    return name


def period(report: Report, today: date) -> str:
    """The dates a report covers, as ISO 8601: one event's own day, or from
    the start chosen (else the first event counted) to the end of what it
    counts (the last quarter settled, the end chosen, else today); with
    nothing to start from (a forum with no meetings yet), open at the start
    as ISO 8601-2 writes it ("../2026-09-30")."""
    days = sorted(event.starts_at.astimezone(LONDON).date() for event in report.events)
    if report.scope.one_event and days:
        return days[0].isoformat()
    starts = report.scope.starts or (days[0] if days else None)
    ends = report.counted_until or report.scope.ends or today
    return f"{starts.isoformat() if starts else '..'}/{ends.isoformat()}"


def key_findings(report: Report) -> list[str]:
    """The report's main points in plain words, from its published figures only."""
    findings = []
    for group in report.groups:
        column = group.columns[0]
        people = report.reach.people if group.key == "events" else group.people[column]
        sentence = f"{group.label}: " + {
            "came": f"{counted(people, 'person', 'people')} came", "members": counted(people, "active member"),
            "nominators": f"{counted(people, 'person', 'people')} nominated", "nominees": counted(people, "nominee"),
        }[column]
        if group.key == "events":
            sentence += f" to {counted(len(report.events), 'event')}"
        rate = group.response_rate(column)
        sentence += (f"; {rate:.0f}% of those asked answered the equality monitoring questions." if rate is not None
                     else "; the share who answered the equality questions is not shown because a number in it is"
                          " small.")
        findings.append(sentence)
        for table in group.tables:
            if table.baseline is None or table.withheld(column):
                continue
            for row in table.characteristic.codes:
                representation = table.representation(row, column)
                if representation in (Representation.UNDER, Representation.OVER):
                    low, high = table.ratio_interval(row, column)
                    findings.append(
                        f"{table.label(row)} ({table.characteristic.label.lower()}): "
                        f"{representation.label.lower()}, at {table.ratio(row, column):.1f} times their share of the "
                        f"population ({table.baseline.area}); somewhere between {low:.1f} and {high:.1f} times, "
                        "allowing for chance.")
    share = report.everything.share_met(ETHNIC_GROUP.key)
    if share is not None and report.scope.one_event:
        findings.append(f"People from {'at least' if share else 'fewer than'} {GROUPS_THAT_MEET} ethnic groups met "
                        "at this event.")
    elif share is not None:
        findings.append(f"At {share:.0f}% of the events where enough people answered, people from at "
                        f"least {GROUPS_THAT_MEET} ethnic groups met.")
    if report.unsettled:
        findings.append(f"{len(report.unsettled)} more event{'s' if len(report.unsettled) != 1 else ''} in these "
                        "dates will be counted once every event in their quarter has settled, from "
                        f"{format_date(report.next_counted_on)}.")
    return findings


def method_notes(limit: int, minimum: int) -> list[str]:
    """How the figures are made, in short, for the page and the PDF; the
    methodology page says it in full."""
    return [
        "People are counted once each, however many events they came to. Walk-ins and the extra people on a "
        "booking for several are counted as people who came, but were not asked the equality questions, so they "
        "are not in the tables of answers.",
        "Reports on several events count whole quarters, once every event in the quarter has settled (two weeks "
        "after it ends), so published figures do not change afterwards.",
        "Every count of people's answers has a small, fixed amount of noise added (at most 2 either way), the same "
        "every time the same people are counted. Totals and percentages are worked out from the figures with their "
        "noise (hidden ones included), so a table's total can differ by a few from the number of people counted.",
        f"Counts below {limit} after the noise are shown as <{limit}; where a hidden count could still be worked "
        "out, another is hidden as well ([c]). Answers are broken down only where at least "
        f"{minimum} people answered.",
        "Shares compared with the population leave out “Prefer not to say” and “Not answered”, and the census's "
        "“Not stated”. A group is called under- or over-represented only where at least "
        f"{EXPECTED_AT_LEAST} of them would be expected and the whole 95% range allowing for chance is below "
        f"{UNDER_REPRESENTED} or above {OVER_REPRESENTED} times their share of the population.",
        "The diversity index is the chance that two people picked at random from those at an event who answered "
        "gave different answers: 0 when everyone gave the same answer, nearer 1 the more mixed. It is withheld "
        f"for an event where any group was smaller than {limit}, because it could give that group away.",
    ]
