"""Outcome survey results (events/services/surveys.py collects the answers):
per event, per cohesion priority and in the progress report, each beside the
published figures for the county and England (reports/data/cohesion-figures.csv).

Disclosure control, the diversity reports' own:
- an event's answers count only once its survey has closed (no answer can
  come after) and only when at least REPORT_MINIMUM_RESPONDENTS people
  answered. Results never change one answer at a time, so nobody learns one
  person's answers from the difference between two looks; a priority's or
  a year's figures change only by a whole closed event's answers, which are
  the figures its own page shows;
- every count goes through reports.suppression with the report threshold:
  1 to threshold-1 shows as "<5", and one more is hidden wherever a sum
  would give a hidden one away;
- free text is shown for one event only, under the same two conditions,
  in random order, and only when more than the minimum wrote something:
  it is shown as written, so each comment must be one among at least the
  minimum number of other people's, or a lone comment at an event with
  enough tick-box answers would stand out as one person's.
Counting is done by the database, a few queries per scope whatever its size."""
import csv
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from core.database import london_datetime, utcnow
from core.extensions import db
from events.models import SURVEY_QUESTIONS, Event, EventStatus, SurveyAnswer, SurveyQuestion, event_priorities
from reports.services import minimum_respondents, threshold
from reports.suppression import Line, Suppressed, suppress

FIGURES_FILE = Path(__file__).parent / "data" / "cohesion-figures.csv"
NOT_ANSWERED = "not_answered"
ANSWERED = "answered"
EVERYONE = "everyone"
AGREE, DISAGREE = "agree", "disagree"


@dataclass(frozen=True)
class PublishedFigure:
    """A published share agreeing, with where it comes from."""
    measure: str  # the question's key
    area: str
    percent: float
    period: str
    source: str
    url: str
    note: str


@cache
def published_figures() -> tuple[PublishedFigure, ...]:
    with FIGURES_FILE.open(encoding="utf-8") as file:
        return tuple(PublishedFigure(row["measure"], row["area"], float(row["percent"]), row["period"],
                                     row["source"], row["url"], row["note"]) for row in csv.DictReader(file))


def figures_for(key: str) -> list[PublishedFigure]:
    return [figure for figure in published_figures() if figure.measure == key]


@dataclass
class QuestionResult:
    question: SurveyQuestion
    table: Suppressed
    rows: list[tuple[str, str]]  # (key, label) in the order shown: the choices, then "not answered"

    @property
    def agreeing(self) -> float | None:
        """The share of those who answered who agree, when it can be published."""
        return self.table.share(AGREE, ANSWERED) if self.question.agreeing else None

    @property
    def published(self) -> list[PublishedFigure]:
        return figures_for(self.question.key) if self.question.agreeing else []


@dataclass
class SurveyResults:
    answers: int  # everyone who answered, in the events counted
    events: int  # events counted
    threshold: int
    minimum: int
    questions: list[QuestionResult] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    # Some people wrote something, but too few for it to be shown (see the module's docstring).
    comments_withheld: bool = False

    @property
    def shown(self) -> bool:
        return bool(self.questions)


def closed_before(now: datetime) -> datetime:
    """Events ending before this have closed surveys (events.services.surveys.survey_closes_at)."""
    config = current_app.config
    return now - timedelta(days=config["ATTENDANCE_SETTLES_AFTER_DAYS"] + config["SURVEY_OPEN_DAYS"])


def counted_events(*, now: datetime, event_id: int | None = None, priority_id: int | None = None,
                   year: int | None = None):
    """The ids of events whose answers count: published, survey closed, at least the minimum answered."""
    query = (select(Event.id).join(SurveyAnswer, SurveyAnswer.event_id == Event.id)
             .where(Event.status == EventStatus.PUBLISHED, Event.ends_at <= closed_before(now))
             .group_by(Event.id).having(func.count(SurveyAnswer.id) >= minimum_respondents()))
    if event_id is not None:
        query = query.where(Event.id == event_id)
    if priority_id is not None:
        query = query.join(event_priorities, event_priorities.c.event_id == Event.id).where(
            event_priorities.c.priority_id == priority_id)
    if year is not None:
        query = query.where(Event.starts_at >= london_datetime(date(year, 1, 1), time(0, 0)),
                            Event.starts_at < london_datetime(date(year + 1, 1, 1), time(0, 0)))
    return query


def results(event_ids, *, with_comments: bool = False) -> SurveyResults:
    """The suppressed results over the events `event_ids` (a select of ids)."""
    ids = event_ids.subquery()
    in_scope = SurveyAnswer.event_id.in_(select(ids.c.id))
    answers, events = db.session.execute(
        select(func.count(SurveyAnswer.id), func.count(func.distinct(SurveyAnswer.event_id))).where(in_scope)).one()
    found = SurveyResults(answers, events, threshold(), minimum_respondents())
    if not answers:
        return found
    for question in SURVEY_QUESTIONS:
        column = getattr(SurveyAnswer, question.key)
        counts = dict(db.session.execute(select(column, func.count()).where(in_scope).group_by(column)).all())
        found.questions.append(_question_result(question, counts, answers))
    if with_comments:
        written = SurveyAnswer.anything_else != ""
        wrote = db.session.scalar(select(func.count(SurveyAnswer.id)).where(in_scope, written))
        if wrote > found.minimum:  # each writer among at least the minimum of others
            found.comments = list(db.session.scalars(
                select(SurveyAnswer.anything_else).where(in_scope, written).order_by(func.random())))
        else:
            found.comments_withheld = wrote > 0
    return found


def _question_result(question: SurveyQuestion, found: dict, answers: int) -> QuestionResult:
    codes = [code for code, _ in question.choices]
    counts = {code: found.get(code, 0) for code in codes}
    counts[NOT_ANSWERED] = found.get(None, 0)
    counts[EVERYONE] = answers
    counts[ANSWERED] = answers - counts[NOT_ANSWERED]
    # How many answered the survey and how many of them left this question out are published as they
    # are: a skip says nothing of anyone's answer, and hiding a small one would hide the base of
    # every share below (the agreement compared with the published figures).
    lines = []
    if question.agreeing:
        # Agreeing and disagreeing are published too (the comparison), so they are sums in the table.
        agree = tuple(question.agreeing)
        disagree = tuple(code for code in codes[:4] if code not in agree)
        counts[AGREE] = sum(counts[code] for code in agree)
        counts[DISAGREE] = sum(counts[code] for code in disagree)
        lines += [Line(agree, AGREE), Line(disagree, DISAGREE),
                  Line((AGREE, DISAGREE, *codes[4:]), ANSWERED)]
    else:
        lines.append(Line(tuple(codes), ANSWERED))
    table = suppress(counts, lines, threshold(), fixed=frozenset({EVERYONE, ANSWERED, NOT_ANSWERED}))
    rows = [(code, str(label)) for code, label in question.choices]
    return QuestionResult(question, table, rows)


def event_results(event: Event, *, now: datetime | None = None) -> SurveyResults:
    now = now or utcnow()
    return results(counted_events(now=now, event_id=event.id), with_comments=True)


@dataclass
class PriorityResults:
    name: str
    results: SurveyResults


def results_by_priority(priorities, year: int, *, now: datetime | None = None) -> list[PriorityResults]:
    now = now or utcnow()
    return [PriorityResults(priority.name, results(counted_events(now=now, priority_id=priority.id, year=year)))
            for priority in priorities]


def year_results(year: int, *, now: datetime | None = None) -> SurveyResults:
    return results(counted_events(now=now or utcnow(), year=year))
