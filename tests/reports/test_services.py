"""Report figures against a small world worked out by hand (fixtures.py)."""
from datetime import date, timedelta

import pytest

from core.equality import NOT_ANSWERED, PREFER_NOT_TO_SAY
from reports import baselines, services
from reports.services import Scope
from tests.reports.fixtures import build_small_world


@pytest.fixture
def world(app):
    """Threshold 1 shows every count, so the sums can be checked exactly."""
    app.config["REPORT_SUPPRESSION_THRESHOLD"] = 1
    with app.app_context():
        yield build_small_world()


def report(scope):
    return services.build(scope, "Test", baselines.shipped())


def recent():
    return Scope("all", starts=date.today() - timedelta(days=30), ends=date.today())


def table(group, key):
    return next(table for table in group.tables if table.characteristic.key == key)


def test_who_came_and_who_registered_but_did_not_come(world):
    [events] = report(recent()).groups
    ethnic = table(events, "ethnic_group")
    # Came: 1-5 and 10 White, 6 Asian, 7 prefers not to say, the walk-in pair not answered.
    assert [ethnic.shown(row, "came") for row in ("white", "asian", "black", PREFER_NOT_TO_SAY, NOT_ANSWERED)] \
        == [6, 1, 0, 1, 2]
    assert (ethnic.shown("answered", "came"), ethnic.shown("total", "came")) == (7, 10)
    # Registered but did not come: 8 (Asian) and 9 (no answers).
    assert [ethnic.shown(row, "no_show") for row in ("white", "asian", NOT_ANSWERED, "total")] == [0, 1, 1, 2]
    assert ethnic.percent("white", "came") == pytest.approx(60.0)
    assert events.people == {"came": 10, "no_show": 2}
    assert events.registered == 10  # 1-7 and 10 came having registered; 8 and 9 did not come
    assert events.response_rate("came") == pytest.approx(80.0)  # 8 of 10 who came answered


def test_the_16_plus_questions_count_only_people_not_under_16(world):
    [events] = report(recent()).groups
    orientation = table(events, "sexual_orientation")
    # Person 7 is under 16 and was not asked; nobody else answered it.
    assert orientation.shown(NOT_ANSWERED, "came") == 10 and orientation.shown("answered", "came") == 0
    assert orientation.label(NOT_ANSWERED) == "Not answered, or under 16 and not asked"


def test_comparison_with_the_census_baseline(world):
    [events] = report(recent()).groups
    ethnic = table(events, "ethnic_group")
    # Shares among the 7 who answered, against Census 2021 shares among people who stated one.
    assert ethnic.ratio("white", "came") == pytest.approx((6 / 7) / (81.7 / 100.0))
    assert ethnic.ratio("asian", "came") == pytest.approx((1 / 7) / (9.3 / 100.0))
    assert ethnic.representation("asian", "came") == "over"
    assert ethnic.representation("black", "came") == "under"
    assert "ONS Census 2021" in ethnic.baseline.source
    assert table(events, "sex").baseline is None  # no baseline shipped for sex


def test_reach_counts_people_not_attendances(world):
    result = report(recent())
    # Named people who came: 1-7 and 10 (8), person 1 also came before the dates (returning);
    # the walk-in pair counts in the 10 but as neither.
    assert [result.reach.shown(key) for key in ("people", "first_time", "returning")] == [10, 7, 1]
    assert result.events_per_person() == pytest.approx(10 / 8)  # 7 at A and 3 at B


def test_mixing_chance_that_two_people_differ(world):
    result = report(recent())
    event_a, event_b = result.events
    assert event_a.index["ethnic_group"] == pytest.approx(1 - (5 * 4) / (6 * 5))  # 5 White, 1 Asian
    assert event_b.index["ethnic_group"] == pytest.approx(1 - (2 * 1) / (3 * 2))  # 2 White, 1 Asian
    assert event_a.index["religion"] == pytest.approx(1 - (5 * 4) / (7 * 6))  # 5 Christian, 1 Muslim, 1 none
    assert (event_a.groups_met["religion"], event_a.groups_met["ethnic_group"]) == (True, False)
    [workshops, community_events] = result.kinds  # in the order kinds are listed
    assert (community_events.events, community_events.came, workshops.came) == (1, 9, 3)


def test_with_the_usual_threshold_small_groups_are_hidden(app):
    with app.app_context():
        build_small_world()
        result = report(recent())
    [events] = result.groups
    ethnic = table(events, "ethnic_group")
    assert ethnic.shown("asian", "came") == "<5"
    shown = [ethnic.shown(row, "came") for row in ethnic.rows + ["answered", "total"]]
    assert not any(value in (1, 2, 3, 4) for value in shown)
    assert "[c]" in shown  # something else hidden so "<5" cannot be worked out from the total
    assert ethnic.withheld("no_show")  # two people registered and did not come: too few to say anything
    assert events.response_rate("came") is None  # two people answered nothing: a small number
    event_a, event_b = result.events
    assert event_a.index["ethnic_group"] is None  # one Asian person: the index would give them away
    assert event_b.groups_met["ethnic_group"] is None  # three people answered: too few to say
    reach = [result.reach.shown(key) for key in ("people", "first_time", "returning")]
    assert reach[0] == 10 and "<5" in reach and not any(value in (1, 2, 3, 4) for value in reach)
