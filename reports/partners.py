"""A partner organisation's engagement over time: the events it co-hosted
and the people who came to them, year by year (Europe/London); the forum
members who represent it; the nominations linked to it. Counts only, each
from one grouped query (never a query per row). People who came are
published with the reports' small-number suppression: a year in which 1 to
4 came shows "<5", and another year is hidden too where the total would
give it away (reports/suppression.py); so are forum members."""
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from awards.models import AwardCycle, AwardCategory, Nomination, NominationStatus
from core.database import in_london
from core.extensions import db
from core.partners.models import PartnerOrganisation
from events.models import Attendance, Event, EventStatus, event_co_hosts
from forums.models import Forum, Membership, MembershipStatus
from reports.services import threshold
from reports.suppression import Line, Suppressed, suppress

ALL_YEARS = "all"
NOT_SENT = (NominationStatus.DRAFT, NominationStatus.UNCONFIRMED)


@dataclass
class YearOfEvents:
    year: int
    events: int
    cancelled: int


@dataclass
class Engagement:
    partner: PartnerOrganisation
    years: list[YearOfEvents] = field(default_factory=list)  # newest first
    people: Suppressed | None = None  # people who came, by year and ALL_YEARS
    upcoming: int = 0
    forums: list[tuple[str, int | str, int | str]] = field(default_factory=list)  # forum, members now, who were (suppressed)
    nominations: list[tuple[str, int]] = field(default_factory=list)  # cycle, nominations

    @property
    def events_total(self) -> int:
        return sum(year.events for year in self.years)


def engagement_of(partner: PartnerOrganisation, *, now) -> Engagement:
    found = Engagement(partner)
    came = (select(Attendance.event_id, func.sum(Attendance.people).label("people"))
            .group_by(Attendance.event_id).subquery())
    rows = db.session.execute(
        select(Event.starts_at, Event.status, func.coalesce(came.c.people, 0))
        .join(event_co_hosts, event_co_hosts.c.event_id == Event.id)
        .outerjoin(came, came.c.event_id == Event.id)
        .where(event_co_hosts.c.partner_id == partner.id, Event.status != EventStatus.DRAFT)).all()
    events, cancelled, people = defaultdict(int), defaultdict(int), defaultdict(int)
    for starts_at, status, came_count in rows:
        if starts_at > now and status != EventStatus.CANCELLED:
            found.upcoming += 1
            continue
        year = in_london(starts_at).year
        if status == EventStatus.CANCELLED:
            cancelled[year] += 1
            events.setdefault(year, 0)
        else:
            events[year] += 1
        people[year] += int(came_count)
    found.years = [YearOfEvents(year, events[year], cancelled[year]) for year in sorted(events, reverse=True)]
    counts = {**people, ALL_YEARS: sum(people.values())}
    found.people = suppress(counts, [Line(tuple(people), ALL_YEARS)], threshold()) if people else None

    found.forums = _forum_members(partner)
    found.nominations = [(name, count) for name, count in db.session.execute(
        select(AwardCycle.name, func.count(Nomination.id))
        .join(AwardCategory, AwardCategory.id == Nomination.category_id)
        .join(AwardCycle, AwardCycle.id == AwardCategory.cycle_id)
        .where(Nomination.partner_id == partner.id, Nomination.status.not_in(NOT_SENT))
        .group_by(AwardCycle.id, AwardCycle.name, AwardCycle.nominations_open_at)
        .order_by(AwardCycle.nominations_open_at.desc()))]
    return found


def _forum_members(partner: PartnerOrganisation) -> list[tuple[str, int | str, int | str]]:
    """(forum, members now, who applied or were members) with small numbers
    suppressed as people who came are. The difference, those who applied and
    are not members now (declined, left, removed), is never shown but is
    protected too: one such person would be a fact about someone."""
    rows = db.session.execute(
        select(Forum.name, func.count(Membership.id).filter(Membership.status == MembershipStatus.ACTIVE),
               func.count(Membership.id))
        .join(Forum, Forum.id == Membership.forum_id).where(Membership.partner_id == partner.id)
        .group_by(Forum.name).order_by(Forum.name)).all()
    counts, lines = {}, []
    for name, now_members, ever in rows:
        counts |= {(name, "now"): now_members, (name, "not now"): ever - now_members, (name, "ever"): ever}
        lines.append(Line(((name, "now"), (name, "not now")), (name, "ever")))
    shown = suppress(counts, lines, threshold())
    return [(name, shown.shown((name, "now")), shown.shown((name, "ever"))) for name, _now, _ever in rows]
