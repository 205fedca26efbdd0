"""Demo awards: last year's cycle, judged (two judges' scores, normalised)
and announced, with a winner, highly commended and shortlisted nominees,
and this year's Community Cohesion Awards open for nominations in six
categories, with nominations from guests and members, some screened (one
ruled out, one flagged because the nominee works for the partnership), a
member's draft, and a judge who has declared a conflict on one. Two of this
year's categories are in Polish too."""
from datetime import date, time, timedelta

from sqlalchemy import select

from awards import cycle_setup, judging, nominating, screening
from awards.models import (
    AwardCategory, AwardCycle, ConflictDeclaration, ConflictKind, Decision, Nomination, NominationStatus, NomineeKind,
    Outcome, PanelMember, Score, ScoreSheet,
)
from awards.cycle_setup import CategoryDetails, CycleDetails
from awards.nominating import NominationDetails
from awards.translations import CategoryText, save_category_version
from core.database import london_datetime
from core.extensions import db
from core.accounts.models import User

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


# This year's categories in Polish (core/content_languages.py), by their English names.
POLISH = {
    "Young Cohesion Champion": CategoryText("Młody ambasador spójności",
                                            "Młoda osoba, która łączy ludzi ponad podziałami."),
    "Unsung Hero": CategoryText("Cichy bohater",
                                "Ktoś, czyja cicha praca na rzecz dobrych relacji zasługuje na uznanie."),
}


def _on(days: int) -> date:
    return date.today() + timedelta(days=days)


def _cycle(name: str, opens: int, closes: int, judging_days: tuple[int, int], announce: int,
           admin: User) -> AwardCycle:
    morning, night = time(9, 0), time(23, 59, 59)
    cycle = cycle_setup.save_cycle(None, CycleDetails(
        name=name, introduction="Each year we celebrate the people and groups who bring our county together.",
        nominations_open_at=london_datetime(_on(opens), morning),
        nominations_close_at=london_datetime(_on(closes), night),
        judging_opens_at=london_datetime(_on(judging_days[0]), morning),
        judging_closes_at=london_datetime(_on(judging_days[1]), night),
        announce_at=london_datetime(_on(announce), morning), blind_judging=True), actor=admin)
    for details in CATEGORIES:
        category = cycle_setup.save_category(cycle, None, details, actor=admin)
        for text, limit in QUESTIONS:
            cycle_setup.add_question(category, text=text, word_limit=limit, actor=admin)
        for criterion, weight, guidance in CRITERIA:
            cycle_setup.add_criterion(category, name=criterion, guidance=guidance, weight=weight, actor=admin)
    return cycle


def _details(category, nominee: str, area: str, done: str, difference: str, **extra) -> NominationDetails:
    answers = dict(zip([q.id for q in category.questions], [done, difference]))
    values = dict(nominator_name="Pat Neighbour", nominator_email="pat.neighbour@example.org",
                  relationship="Neighbour", nominee_name=nominee, nominee_area=area, answers=answers,
                  nominee_knows=True, data_consent=True)
    return NominationDetails(**{**values, **extra})


def seed_demo_awards(admin: User, member: User, judge: User) -> None:
    if db.session.scalar(select(AwardCycle.id).limit(1)) is not None:
        return
    year = date.today().year
    last = _cycle(f"Community Cohesion Awards {year}", -300, -240, (-230, -200), -190, admin)
    _judged(last.categories[4], admin, judge)
    current = _cycle(f"Community Cohesion Awards {year + 1}", -20, 40, (45, 75), 90, admin)
    cycle_setup.add_exclusion(current, name="Sam Staff", reason="Works for the partnership", actor=admin)
    young, interfaith, group, generations, hero, _ = current.categories
    for category in current.categories:
        if category.name in POLISH:
            save_category_version(category, "pl", POLISH[category.name], actor=admin)

    amira = nominating.nominate(young, _details(
        young, "Amira Hussain", "Corby", "Started a homework club where children of five faiths help each other.",
        "Parents who never spoke now organise the club's summer trip together.", nominee_age=17),
        user=None, submit=True)
    nominating.confirm_nomination(amira)
    screening.mark_eligible(amira, actor=admin)
    gurdwara = nominating.nominate(interfaith, _details(
        interfaith, "Kettering Faiths Together", "Kettering", "A shared food bank run by a gurdwara, a church and "
        "a mosque.", "Volunteers from each congregation now visit each other's festivals.",
        group_activity="Runs a food bank and an open kitchen"), user=member, submit=True)
    screening.mark_eligible(gurdwara, actor=admin)
    too_old = nominating.nominate(hero, _details(
        hero, "Sam Staff", "Northampton", "Organised every cohesion event this year.",
        "People came together at each one."), user=None, submit=True)
    nominating.confirm_nomination(too_old)  # flagged: Sam works for the partnership
    outside = nominating.nominate(group, _details(
        group, "Leicester Lunch Club", "Leicester", "A lunch club for older neighbours.",
        "Neighbours from different backgrounds eat together weekly.",
        group_activity="Weekly lunch for older people"), user=None, submit=True)
    nominating.confirm_nomination(outside)
    screening.mark_ineligible(outside, reason="The group is based outside the county.", actor=admin)
    nominating.nominate(generations, _details(
        generations, "Wellingborough Grandfriends", "Wellingborough", "Pairs teenagers with care home residents.",
        "", group_activity="Visits and shared projects"), user=member, submit=False)
    for category in (young, interfaith):
        judging.appoint_judge(category, judge.email, actor=admin)
    judging.declare(gurdwara, judge, ConflictKind.MEMBER_OF_GROUP, note="I volunteer at the food bank")
    judging.declare(amira, judge, ConflictKind.NONE)
    db.session.commit()


def _judged(category: AwardCategory, admin: User, judge: User) -> None:
    """Last year's Unsung Hero: four nominees, each scored by two judges
    (written directly: the judging window has closed)."""
    second = admin  # the awards administrator sat on last year's panel too
    for member in (judge, second):
        db.session.add(PanelMember(category_id=category.id, email=member.email, user_id=member.id,
                                   appointed_by_id=admin.id))
    # Each judge's marks per nominee (impact, reach, beyond): the second judge marks everyone lower.
    marks = {"Bernadette Kelly": ((5, 4, 5), (4, 3, 4)), "Tariq Mahmood": ((4, 5, 4), (4, 4, 3)),
             "Ewa Nowak": ((3, 3, 4), (2, 2, 3)), "Joseph Mensah": ((4, 2, 3), (2, 2, 2))}
    outcomes = {"Bernadette Kelly": Outcome.WINNER, "Tariq Mahmood": Outcome.HIGHLY_COMMENDED,
                "Ewa Nowak": Outcome.SHORTLISTED, "Joseph Mensah": Outcome.NOT_SHORTLISTED}
    for name, sheets in marks.items():
        nomination = Nomination(category=category, status=NominationStatus.ELIGIBLE, nominator_name="A neighbour",
                                nominator_email="neighbour@example.org", relationship_to_nominee="Neighbour",
                                nominee_name=name, nominee_kind=category.nominee_kind, nominee_area="Northampton",
                                nominee_knows=True, data_consent=True, submitted_at=category.cycle.nominations_open_at)
        db.session.add(nomination)
        db.session.flush()
        for member, values in zip((judge, second), sheets):
            db.session.add(ConflictDeclaration(nomination_id=nomination.id, judge_id=member.id, kind=ConflictKind.NONE,
                                               recorded_by_id=member.id))
            db.session.add(ScoreSheet(nomination_id=nomination.id, judge_id=member.id,
                                      submitted_at=category.cycle.judging_opens_at + timedelta(days=3), scores=[
                                          Score(criterion_id=criterion.id, value=value)
                                          for criterion, value in zip(category.criteria, values)]))
        db.session.add(Decision(nomination_id=nomination.id, outcome=outcomes[name], decided_by_id=admin.id,
                                rationale="The panel's unanimous view after discussing every nominee.",
                                decided_at=category.cycle.judging_closes_at))
    cycle = category.cycle
    cycle.shortlist_published_at, cycle.results_published_at = cycle.judging_closes_at, cycle.announce_at
