"""A forum report's Members: counted as they were at the end of the last
quarter counted, from the spells of their memberships, so one person
joining or leaving cannot be read off two reports a day apart."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.database import write_lock
from core.equality import services as equality
from core.extensions import db
from forums.models import ForumKind, Membership, MembershipSpell, MembershipStatus
from forums.services import memberships
from reports import baselines, services
from reports.quarters import quarter_end_day, quarter_start_day
from reports.services import Scope
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory
from tests.reports.fixtures import settled_day

ANSWERS = [{"ethnic_group": "white", "religion": "christian", "age_band": "25_34"},
           {"ethnic_group": "asian", "religion": "muslim", "age_band": "35_49"},
           {"ethnic_group": "black", "religion": "christian", "age_band": "50_64"}]


@pytest.fixture
def forum(app):
    """A forum whose twelve members, all answering, joined long before the
    last quarter counted; and its coordinator."""
    app.config["REPORT_SUPPRESSION_THRESHOLD"] = 1
    app.config["REPORT_MINIMUM_RESPONDENTS"] = 3  # so a change of 1 or 2 people is "a few"
    with app.test_request_context(), write_lock(every_transaction=True):  # approving emails a link; locks the forum
        forum = ForumFactory(kind=ForumKind.OTHER)
        coordinator = UserFactory()
        for n in range(12):
            join(forum, coordinator, ANSWERS[n % 3], days_before_the_quarter_end=200)
        db.session.commit()
        yield forum, coordinator


def join(forum, coordinator, answers, *, days_before_the_quarter_end=None):
    """Someone applies, answers the questions and is approved through the
    service; their spell is moved back to have started `days_before_the_quarter_end`
    the last day counted (None: it started now)."""
    member = MembershipFactory(forum=forum, status=MembershipStatus.APPLIED)
    key = equality.person_key(member.user)
    response = equality.give_consent(key, user=member.user)
    for name, value in answers.items():
        setattr(response, name, value)
    memberships.approve(member, actor=coordinator)
    if days_before_the_quarter_end is not None:
        db.session.execute(update(MembershipSpell).where(MembershipSpell.membership_id == member.id)
                           .values(started_at=settled_day() - timedelta(days=days_before_the_quarter_end)))
    return member


def members_of(forum):
    result = services.build(Scope("forum", forum.id), "Test", baselines.shipped())
    return next(group for group in result.groups if group.key == "members")


def shown(group) -> dict:
    """Every published figure of the group's tables."""
    return {(table.characteristic.key, row): table.shown(row, "members")
            for table in group.tables for row in table.rows + ["answered", "total"]}


def test_someone_joining_or_leaving_today_changes_nothing_until_the_quarter_is_counted(forum):
    forum, coordinator = forum
    before = members_of(forum)
    assert before.people["members"] == 12 and before.breakdowns_withheld is None and before.tables
    assert before.label.startswith("Members on ")

    join(forum, coordinator, {"ethnic_group": "mixed", "religion": "sikh", "age_band": "16_24"})
    leaving = db.session.scalars(select(MembershipSpell.membership_id).order_by(MembershipSpell.id)).first()
    memberships.remove(db.session.get(Membership, leaving), actor=coordinator)
    db.session.commit()

    after = members_of(forum)
    assert after.people["members"] == 12
    assert shown(after) == shown(before)


def test_a_few_who_answered_joining_in_the_quarter_keep_the_members_breakdowns_back(forum):
    forum, coordinator = forum
    join(forum, coordinator, ANSWERS[0], days_before_the_quarter_end=10)
    db.session.commit()
    group = members_of(forum)
    assert group.people["members"] == 13
    assert group.tables == [] and "joined or left in the quarter" in group.breakdowns_withheld


def test_a_few_who_answered_leaving_in_the_quarter_keep_them_back_too(forum):
    forum, coordinator = forum
    first = db.session.scalars(select(MembershipSpell).order_by(MembershipSpell.id)).first()
    first.ended_at = settled_day() - timedelta(days=10)
    db.session.commit()
    group = members_of(forum)
    assert group.people["members"] == 11
    assert group.tables == [] and "joined or left in the quarter" in group.breakdowns_withheld


def test_enough_joining_in_the_quarter_to_hide_any_one_of_them_shows_the_breakdowns(forum):
    forum, coordinator = forum
    for n in range(3):
        join(forum, coordinator, ANSWERS[n], days_before_the_quarter_end=10)
    db.session.commit()
    group = members_of(forum)
    assert group.people["members"] == 15 and group.breakdowns_withheld is None and group.tables


def test_a_report_on_an_earlier_year_counts_the_members_of_then(forum):
    forum, coordinator = forum
    then = settled_day().date() - timedelta(days=300)
    scope = Scope("forum", forum.id, starts=quarter_start_day(then), ends=quarter_end_day(then))
    result = services.build(scope, "Test", baselines.shipped())
    group = next(group for group in result.groups if group.key == "members")
    assert group.people["members"] == 0  # the twelve joined 200 days before the last day counted
