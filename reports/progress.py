"""The standing conference's progress report for one year: activity per
cohesion priority (events, people, reach, mixing), diversity against the
baseline, forum membership diversity, award nominations per category, and
year-on-year trends for the standing conference and each forum, and the
outcome surveys (overall and per priority, beside the published figures).
Built from reports.services and reports.surveys, so every figure is already
suppressed."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from awards.models import AwardCategory, AwardCycle, LIVE_NOMINATIONS, Nomination, NominationStatus
from core.extensions import db
from events.models import CohesionPriority, EventKind
from forums.models import Forum
from reports.baselines import Baseline
from reports.services import Report, Scope, build, minimum_respondents, threshold
from reports.surveys import PriorityResults, SurveyResults, results_by_priority, year_results

TREND_YEARS = 5


@dataclass
class PriorityActivity:
    name: str
    report: Report


@dataclass
class Trend:
    """One scope's headline figures, year by year."""
    name: str
    years: list[tuple[int, Report]] = field(default_factory=list)


@dataclass
class Progress:
    year: int
    threshold: int
    minimum_respondents: int
    overall: Report
    priorities: list[PriorityActivity]
    forums: list[tuple[str, Report]]
    nominations: list[tuple[str, str, int]]  # cycle, category, live nominations
    trends: list[Trend]
    surveys: SurveyResults
    survey_priorities: list[PriorityResults]


def _year(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def build_progress(year: int, baseline: Baseline, *, breakdowns_withheld: str | None, reader_id: int) -> Progress:
    """`breakdowns_withheld`: why this reader may not see figures split by
    an equality answer (None: they may); `reader_id`: who is reading."""
    starts, ends = _year(year)

    def report(scope: Scope, title: str, *, headline: bool = False) -> Report:
        return build(scope, title, baseline, breakdowns_withheld=breakdowns_withheld, reader_id=reader_id,
                     headline=headline)

    overall = report(Scope("all", None, starts, ends), f"Everything in {year}")
    in_order = list(db.session.scalars(select(CohesionPriority).order_by(CohesionPriority.position)))
    priorities = [PriorityActivity(priority.name, report(Scope("priority", priority.id, starts, ends), priority.name))
                  for priority in in_order]
    forums = list(db.session.scalars(select(Forum).order_by(Forum.name)))
    forum_reports = [(forum.name, report(Scope("forum", forum.id, starts, ends), forum.name)) for forum in forums]
    nominations = db.session.execute(
        select(AwardCycle.name, AwardCategory.name, func.count(Nomination.id))
        .join(AwardCategory, AwardCategory.cycle_id == AwardCycle.id)
        .outerjoin(Nomination, (Nomination.category_id == AwardCategory.id)
                   & Nomination.status.in_((*LIVE_NOMINATIONS, NominationStatus.INELIGIBLE)))
        .where(func.extract("year", AwardCycle.nominations_open_at) == year)
        .group_by(AwardCycle.id, AwardCycle.name, AwardCategory.id, AwardCategory.name)
        .order_by(AwardCycle.name, AwardCategory.position, AwardCategory.name)
    ).all()
    trends = [_trend("Standing conference", lambda years: Scope("all", None, *years,
                                                                  event_kind=EventKind.STANDING_CONFERENCE),
                     year, report)]
    trends += [_trend(forum.name, lambda years, forum_id=forum.id: Scope("forum", forum_id, *years), year, report)
               for forum in forums]
    return Progress(year, threshold(), minimum_respondents(), overall, priorities, forum_reports, nominations,
                    trends, year_results(year), results_by_priority(in_order, year))


def _trend(name: str, scope_for, year: int, report) -> Trend:
    trend = Trend(name)
    for each in range(year - TREND_YEARS + 1, year + 1):
        built = report(scope_for(_year(each)), f"{name}, {each}", headline=True)  # a row: its headline figures
        if built.events:
            trend.years.append((each, built))
    return trend

