"""Demo awards: last year's cycle, closed, and this year's Community
Cohesion Awards open for nominations in six categories, with nominations
from guests and members, some screened (one ruled out, one flagged because
the nominee works for the partnership) and a member's draft."""
from datetime import date, time, timedelta

from sqlalchemy import select

from awards import services
from awards.models import AwardCycle, NomineeKind
from awards.services import CategoryDetails, CycleDetails, NominationDetails
from core.database import london_datetime
from core.extensions import db
from core.models import User

QUESTIONS = [("What has the nominee done?", 300),
             ("What difference has it made to how people from different backgrounds get on?", 300)]
CRITERIA = [("Impact on relationships between people from different backgrounds", 3,
             "1: little evidence. 3: clear change for one group. 5: lasting change across communities."),
            ("Reach: how many people and how many communities", 2, "1: a handful. 5: many, across the county."),
            ("Going beyond what is expected", 1, "1: part of their job. 5: well beyond any duty.")]
CATEGORIES = [
    CategoryDetails(name="Young Cohesion Champion", nominee_kind=NomineeKind.INDIVIDUAL, min_age=11, max_age=25,
                    description="A young person who brings people together across differences."),
    CategoryDetails(name="Inter-faith Partnership", nominee_kind=NomineeKind.GROUP,
                    description="Faith communities doing something together that none could do alone."),
    CategoryDetails(name="Community Group of the Year", nominee_kind=NomineeKind.GROUP, self_nomination=True,
                    description="A group that welcomes everyone and makes its neighbourhood stronger."),
    CategoryDetails(name="Bringing Generations Together", nominee_kind=NomineeKind.GROUP, self_nomination=True,
                    description="Projects where young and old learn from each other."),
    CategoryDetails(name="Unsung Hero", nominee_kind=NomineeKind.INDIVIDUAL,
                    description="Someone whose quiet work for good relations deserves to be known."),
    CategoryDetails(name="Cohesive Workplace", nominee_kind=NomineeKind.GROUP, self_nomination=True,
                    description="An employer where people from every background feel they belong."),
]


def _on(days: int) -> date:
    return date.today() + timedelta(days=days)


def _cycle(name: str, opens: int, closes: int, judging: tuple[int, int], announce: int, admin: User) -> AwardCycle:
    morning, night = time(9, 0), time(23, 59, 59)
    cycle = services.save_cycle(None, CycleDetails(
        name=name, introduction="Each year we celebrate the people and groups who bring our county together.",
        nominations_open_at=london_datetime(_on(opens), morning),
        nominations_close_at=london_datetime(_on(closes), night),
        judging_opens_at=london_datetime(_on(judging[0]), morning),
        judging_closes_at=london_datetime(_on(judging[1]), night),
        announce_at=london_datetime(_on(announce), morning), blind_judging=True), actor=admin)
    for details in CATEGORIES:
        category = services.save_category(cycle, None, details, actor=admin)
        for text, limit in QUESTIONS:
            services.add_question(category, text=text, word_limit=limit, actor=admin)
        for criterion, weight, guidance in CRITERIA:
            services.add_criterion(category, name=criterion, guidance=guidance, weight=weight, actor=admin)
    return cycle


def _details(category, nominee: str, area: str, done: str, difference: str, **extra) -> NominationDetails:
    answers = dict(zip([q.id for q in category.questions], [done, difference]))
    values = dict(nominator_name="Pat Neighbour", nominator_email="pat.neighbour@example.org",
                  relationship="Neighbour", nominee_name=nominee, nominee_area=area, answers=answers,
                  nominee_knows=True, data_consent=True)
    return NominationDetails(**{**values, **extra})


def seed_demo_awards(admin: User, member: User) -> None:
    if db.session.scalar(select(AwardCycle.id).limit(1)) is not None:
        return
    year = date.today().year
    _cycle(f"Community Cohesion Awards {year}", -300, -240, (-230, -200), -190, admin)
    current = _cycle(f"Community Cohesion Awards {year + 1}", -20, 40, (45, 75), 90, admin)
    services.add_exclusion(current, name="Sam Staff", reason="Works for the partnership", actor=admin)
    young, interfaith, group, generations, hero, _ = current.categories

    amira = services.nominate(young, _details(
        young, "Amira Hussain", "Corby", "Started a homework club where children of five faiths help each other.",
        "Parents who never spoke now organise the club's summer trip together.", nominee_age=17),
        user=None, submit=True)
    services.confirm_nomination(amira)
    services.mark_eligible(amira, actor=admin)
    gurdwara = services.nominate(interfaith, _details(
        interfaith, "Kettering Faiths Together", "Kettering", "A shared food bank run by a gurdwara, a church and "
        "a mosque.", "Volunteers from each congregation now visit each other's festivals.",
        group_activity="Runs a food bank and an open kitchen"), user=member, submit=True)
    services.mark_eligible(gurdwara, actor=admin)
    too_old = services.nominate(hero, _details(
        hero, "Sam Staff", "Northampton", "Organised every cohesion event this year.",
        "People came together at each one."), user=None, submit=True)
    services.confirm_nomination(too_old)  # flagged: Sam works for the partnership
    outside = services.nominate(group, _details(
        group, "Leicester Lunch Club", "Leicester", "A lunch club for older neighbours.",
        "Neighbours from different backgrounds eat together weekly.",
        group_activity="Weekly lunch for older people"), user=None, submit=True)
    services.confirm_nomination(outside)
    services.mark_ineligible(outside, reason="The group is based outside the county.", actor=admin)
    services.nominate(generations, _details(
        generations, "Wellingborough Grandfriends", "Wellingborough", "Pairs teenagers with care home residents.",
        "", group_activity="Visits and shared projects"), user=member, submit=False)
    db.session.commit()
