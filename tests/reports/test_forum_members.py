"""A forum report's Members: counted as they were at the end of the last
quarter counted, from the spells of their memberships, so one person
joining or leaving cannot be read off two reports a day apart."""
import itertools
from datetime import date, datetime, time, timedelta
from unittest.mock import patch

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import select, update

from core.database import LONDON, write_lock
from core.equality import services as equality
from core.extensions import db
from forums.models import ForumCoordinator, ForumKind, Membership, MembershipSpell, MembershipStatus
from forums.services import memberships
from core.formatting import format_date
from reports import baselines, services
from reports.perturbation import MAX_CHANGE
from reports.permissions import RUNS_IT
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


def members_of(forum, *, ends=None):
    result = services.build(Scope("forum", forum.id, ends=ends), "Test", baselines.shipped())
    return next(group for group in result.groups if group.key == "members")


def quarter_ends_back(count: int):
    """The end of the quarter `count` quarters before the last one counted."""
    day = settled_day().date()
    for _ in range(count):
        day = quarter_start_day(day) - timedelta(days=1)
    return day


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


@pytest.mark.parametrize("change, members", [("joins", 13), ("leaves", 11)])
def test_one_who_answered_joining_or_leaving_in_the_quarter_keeps_the_members_breakdowns_back(forum, change,
                                                                                              members):
    forum, coordinator = forum
    if change == "joins":
        join(forum, coordinator, ANSWERS[0], days_before_the_quarter_end=10)
    else:
        first = db.session.scalars(select(MembershipSpell).order_by(MembershipSpell.id)).first()
        first.ended_at = settled_day() - timedelta(days=10)
    db.session.commit()
    group = members_of(forum)
    assert group.people["members"] == members
    assert group.tables == [] and "another quarter differ from these by fewer than 3" in group.breakdowns_withheld


def test_enough_joining_in_the_quarter_to_hide_any_one_of_them_shows_the_breakdowns(forum):
    forum, coordinator = forum
    for n in range(3):
        join(forum, coordinator, ANSWERS[n], days_before_the_quarter_end=10)
    db.session.commit()
    group = members_of(forum)
    assert group.people["members"] == 15 and group.breakdowns_withheld is None and group.tables


def test_no_two_quarters_whose_breakdowns_are_shown_differ_by_a_few(forum):
    """Someone joined two quarters back: that quarter's breakdowns are held
    back against the one before it, and so is every later quarter's, whose
    members differ by the same one person from the last quarter shown. (Only
    the quarter before was compared at first: the attack compared the
    quarters either side of the one held back and read the joiner's answers.)"""
    forum, coordinator = forum
    join(forum, coordinator, {"ethnic_group": "mixed", "religion": "sikh", "age_band": "16_24"},
         days_before_the_quarter_end=(settled_day().date() - quarter_ends_back(1)).days + 30)
    db.session.commit()
    before, joined, since = (members_of(forum, ends=quarter_ends_back(n)) for n in (2, 1, 0))
    assert (before.people["members"], joined.people["members"], since.people["members"]) == (12, 13, 13)
    assert before.breakdowns_withheld is None and before.tables
    assert joined.tables == [] and since.tables == []


def test_members_are_counted_at_a_quarters_end_whatever_day_the_report_ends(forum):
    forum, coordinator = forum
    join(forum, coordinator, ANSWERS[0], days_before_the_quarter_end=100)  # in the quarter before the last
    db.session.commit()
    middle = quarter_ends_back(1) - timedelta(days=20)
    group = members_of(forum, ends=middle)
    assert group.label == f"Members on {format_date(quarter_ends_back(2))}" and group.people["members"] == 12


def test_a_report_on_an_earlier_year_counts_the_members_of_then(forum):
    forum, coordinator = forum
    then = settled_day().date() - timedelta(days=300)
    scope = Scope("forum", forum.id, starts=quarter_start_day(then), ends=quarter_end_day(then))
    result = services.build(scope, "Test", baselines.shipped())
    group = next(group for group in result.groups if group.key == "members")
    assert group.people["members"] == 0  # the twelve joined 200 days before the last day counted


QUARTER_ENDS = [date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30), date(2024, 12, 31), date(2025, 3, 31),
                date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31)]


@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 7), st.one_of(st.none(), st.integers(0, 7))),
                max_size=40),
       st.integers(2, 6))
@settings(max_examples=300, deadline=None)
def test_any_two_quarters_whose_member_breakdowns_are_shown_differ_by_none_or_many(histories, minimum):
    """Over any history of people joining and leaving (a person may come and
    go several times), the quarters whose breakdowns would be shown, big
    enough to be shown, never differ by 1 to minimum - 1 people."""
    spells = []
    for person, joined, left in histories:
        started = datetime.combine(QUARTER_ENDS[joined] - timedelta(days=10), time(12), LONDON)
        ended = None if left is None or left < joined else \
            datetime.combine(QUARTER_ENDS[left] + timedelta(days=5), time(12), LONDON)
        spells.append((f"user:{person}", started, ended))
    with patch.object(services.queries, "answering_member_spells", return_value=spells):
        shown = [services._members_at(spells, services._day_after(quarter)) for quarter in QUARTER_ENDS
                 if services._members_shown_at(1, quarter, minimum)]
    big_enough = [members for members in shown if len(members) >= max(minimum - MAX_CHANGE, 1)]  # else withheld
    for one, other in itertools.combinations(big_enough, 2):
        assert not 0 < len(one ^ other) < minimum, (sorted(one), sorted(other))


def test_a_forums_coordinator_who_is_also_a_monitor_sees_no_breakdown_of_its_members(forum):
    """Found attacking it: the progress report (which asks as for all events)
    showed a coordinator-monitor their own forum's members by answer when
    the forum held no meetings that year to mark it as theirs."""
    forum, coordinator = forum
    db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
    db.session.commit()
    result = services.build(Scope("forum", forum.id), "Test", baselines.shipped(), reader_id=coordinator.id)
    members = next(group for group in result.groups if group.key == "members")
    assert members.tables == [] and members.breakdowns_withheld == RUNS_IT
    someone_else = services.build(Scope("forum", forum.id), "Test", baselines.shipped(), reader_id=UserFactory().id)
    assert next(group for group in someone_else.groups if group.key == "members").tables
