"""Report figures against a small world worked out by hand (fixtures.py).
Counts of answers are perturbed (perturbation.py): each expected figure
here is the true count moved by the key of exactly the people in it,
worked out from the people's record keys as the methodology says."""
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest

from core.equality.services import NOT_ANSWERED, PREFER_NOT_TO_SAY
from core.extensions import db
from reports import baselines, queries, services
from reports.perturbation import Cell, perturb
from reports.services import Representation, Scope
from tests.reports.fixtures import build_small_world, record_key, settled_day

EMAIL = {n: f"person{n}@example.org" for n in range(1, 11)}


@pytest.fixture
def world(app):
    """Threshold 1 and no minimum of respondents, so every count shows."""
    app.config["REPORT_SUPPRESSION_THRESHOLD"] = 1
    app.config["REPORT_MINIMUM_RESPONDENTS"] = 1
    with app.app_context():
        yield build_small_world()


def report(scope, **kwargs):
    return services.build(scope, "Test", baselines.shipped(), **kwargs)


def respondents(event_ids) -> int:
    """The people at these events who answered the equality questions, exactly."""
    with queries.participation(event_ids, []) as participation:
        return participation.respondents()[0]


def recent():
    """The quarters events A and B fall in (breakdowns cover whole quarters)."""
    last = settled_day().date()
    return Scope("all", starts=quarter_start(last - timedelta(days=30)), ends=quarter_end(last - timedelta(days=20)))


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: date) -> date:
    start = quarter_start(day)
    return (date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)) - timedelta(1)


def table(group, key):
    return next(table for table in group.tables if table.characteristic.key == key)


def published(*people: int) -> int:
    """What a cell holding exactly these people must publish."""
    secret = services.record_key_secret()
    return perturb(Cell(len(people), sum(record_key(secret, EMAIL[n]) for n in people)))


def test_each_count_is_the_true_count_moved_by_the_key_of_the_people_in_it(world):
    [events] = report(recent()).groups
    ethnic = table(events, "ethnic_group")
    # Came, named: 1-5 and 10 White, 6 Asian, 7 prefers not to say. Walk-ins are not in the tables.
    white, asian, prefer = published(1, 2, 3, 4, 5, 10), published(6), published(7)
    assert [ethnic.shown(row, "came") for row in ("white", "asian", "black", PREFER_NOT_TO_SAY, NOT_ANSWERED)] \
        == [white, asian, 0, prefer, 0]
    # The table adds up as printed.
    assert ethnic.shown("answered", "came") == white + asian
    assert ethnic.shown("total", "came") == white + asian + prefer
    assert ethnic.percent("white", "came") == pytest.approx(100 * white / (white + asian + prefer))
    # Registered but did not come: 8 (Asian) and 9 (no answers).
    assert [ethnic.shown(row, "no_show") for row in ("white", "asian", NOT_ANSWERED)] == [0, published(8),
                                                                                         published(9)]
    assert events.people == {"came": 8, "no_show": 2}  # head counts are exact
    assert events.registered == 10


def test_the_same_people_give_the_same_figure_in_every_report(world):
    """Event A's and all events' Asian cells differ in who is in them, so
    may differ in noise; the same cell reached by two scopes is identical."""
    [in_range] = report(recent()).groups
    [again] = report(Scope("all", starts=recent().starts)).groups
    assert table(in_range, "religion").shown("christian", "came") == table(again, "religion").shown("christian",
                                                                                                    "came")


def test_the_16_plus_questions_count_only_people_not_under_16(world):
    [events] = report(recent()).groups
    orientation = table(events, "sexual_orientation")
    # Person 7 is under 16 and was not asked; nobody else answered it.
    assert orientation.shown(NOT_ANSWERED, "came") == published(1, 2, 3, 4, 5, 6, 7, 10)
    assert orientation.shown("answered", "came") == 0 and orientation.nobody_answered("came")
    assert orientation.label(NOT_ANSWERED) == "Not answered, or under 16 and not asked"


def test_the_population_is_compared_only_where_enough_people_are_expected(world):
    [events] = report(recent()).groups
    ethnic = table(events, "ethnic_group")
    white, answered = ethnic.shown("white", "came"), ethnic.shown("answered", "came")
    # White: 81.7% of the county's answers, so about 6 of 7 expected: compared.
    assert ethnic.ratio("white", "came") == pytest.approx((white / answered) / (81.7 / 100.0))
    # 7 people cannot show more
    assert ethnic.representation("white", "came") in (Representation.SIMILAR, Representation.UNCLEAR)
    # Asian: 9.3%, under one person expected among 7: no ratio, never "12.6 times".
    assert ethnic.ratio("asian", "came") is None and ethnic.representation("asian", "came") is None
    assert "ONS Census 2021" in ethnic.baseline.source
    assert table(events, "sex").baseline is None  # no baseline shipped for sex


def test_a_large_difference_on_enough_people_is_called_under_represented():
    shares = services.wilson_interval(20, 400)
    assert shares[0] < 20 / 400 < shares[1]
    assert services.wilson_interval(0, 50)[0] == 0.0


def test_reach_adds_up_to_everyone_who_came(world):
    result = report(recent())
    reach = result.reach
    # Named people who came: 1-7 and 10 (8); person 1 also came before the dates (returning).
    assert (reach.people, reach.named, reach.unnamed, reach.first_time, reach.returning) == (10, 8, 2, 7, 1)
    assert reach.first_time + reach.returning + reach.unnamed == reach.people
    # 9 came to A (7 named and the pair at the door) and 3 to B: 12 times, by 10 people.
    assert reach.attendances == 12 and reach.events_per_person() == pytest.approx(1.2)


def test_quarters_and_kinds_count_different_people_like_their_own_reports(world):
    result = report(recent())
    assert sum(period.events for period in result.quarters) == 2
    for period in result.quarters:
        year, quarter = period.label.split(" Q")
        starts = date(int(year), 3 * int(quarter) - 2, 1)
        ends = date(int(year) + (quarter == "4"), 1 if quarter == "4" else 3 * int(quarter) + 1, 1) - timedelta(1)
        own = report(Scope("all", starts=starts, ends=ends))
        assert period.people == own.reach.people
    [workshops, community_events] = result.kinds  # in the order kinds are listed
    assert (community_events.events, community_events.people, workshops.people) == (1, 9, 3)
    assert result.everything.people == result.reach.people


def test_mixing_is_worked_out_from_the_published_counts(world):
    event_a, event_b = report(recent()).events
    # A: 1-5 White, 6 Asian (7 preferred not to say). B: 1 and 10 White, 6 Asian.
    assert event_a.index["ethnic_group"] == pytest.approx(services.diversity_index([published(1, 2, 3, 4, 5),
                                                                                   published(6)]))
    assert event_b.index["ethnic_group"] == pytest.approx(services.diversity_index([published(1, 10),
                                                                                   published(6)]))
    assert (event_a.groups_met["ethnic_group"], event_a.groups_met["religion"]) == (False, True)


def test_breakdowns_need_the_minimum_of_respondents(app):
    app.config["REPORT_MINIMUM_RESPONDENTS"] = 20  # the world's 9 who answered are well short, noise or not
    with app.app_context():
        build_small_world()
        result = report(recent())
    [events] = result.groups
    assert events.tables == [] and "Fewer than 20 people" in events.breakdowns_withheld
    assert all(index is None for event in result.events for index in event.index.values())


def test_a_reader_who_may_not_see_breakdowns_gets_totals_only(world):
    result = report(recent(), breakdowns_withheld="Not for you")
    [events] = result.groups
    assert events.tables == [] and events.breakdowns_withheld == "Not for you"
    assert events.people["came"] == 8 and result.reach.people == 10
    assert all(index is None for event in result.events for index in event.index.values())
    assert all(met is None for event in result.events for met in event.groups_met.values())


def test_events_not_yet_settled_are_listed_not_counted(world, app):
    from tests.events.factories import EventFactory
    from core.database import utcnow
    from core.extensions import db
    recent_event = EventFactory(title="Last week", starts_at=utcnow() - timedelta(days=7), capacity=None)
    db.session.commit()
    result = report(Scope("all"))
    assert [event.title for event in result.unsettled] == ["Last week"]
    assert "Last week" not in [event.title for event in result.events]
    single = report(Scope("event", recent_event.id))
    assert single.provisional and "not settled" in single.groups[0].breakdowns_withheld


def test_with_the_usual_threshold_small_counts_are_hidden(app):
    app.config["REPORT_MINIMUM_RESPONDENTS"] = 1
    with app.app_context():
        build_small_world()
        result = report(recent())
    [events] = result.groups
    ethnic = table(events, "ethnic_group")
    shown = [ethnic.shown(row, "came") for row in ethnic.rows + ["answered", "total"]]
    assert not any(value in (1, 2, 3, 4) for value in shown)
    assert ethnic.shown("asian", "came") == "<5"
    assert ethnic.withheld("no_show")  # two people registered and did not come: too few to say anything


def test_while_an_admin_has_reopened_an_event_its_reports_keep_breakdowns_back_but_still_count_it(world):
    """Found walking the reports: reopening one event took it out of every
    report on several events, which still said the quarter was settled."""
    from core.database import write_lock
    from core.extensions import db
    from events import settlement
    from events.models import Event
    from tests.factories import UserFactory
    before = report(recent())
    admin = UserFactory(roles=["admin"])
    db.session.commit()
    with write_lock():
        settlement.reopen_attendance(db.session.get(Event, world["a"]), actor=admin, reason="A late sign-in sheet")
        db.session.commit()
    during = report(recent())
    assert [e.title for e in during.events] == [e.title for e in before.events]  # still counted
    assert during.reach.people == before.reach.people
    assert during.groups[0].tables == [] and "reopened attendance" in during.breakdowns_withheld
    single = report(Scope("event", world["a"]))
    assert not single.provisional and single.groups[0].tables == []


@pytest.fixture
def a_tallied_crowd_and_a_guest_in_it(app):
    """Two settled, tallied events a crowd of guests came to (most answering),
    every count shown, and the address of one guest who answered."""
    from events import tallies
    from tests.reports.fixtures import build_crowd
    app.config["REPORT_SUPPRESSION_THRESHOLD"] = app.config["REPORT_MINIMUM_RESPONDENTS"] = 1
    with app.test_request_context():
        crowd = build_crowd(people=12)
        events = [crowd["first"], crowd["second"]]
        tallies.tally(events)
        db.session.commit()
        yield events, next(iter(crowd["answers"]))


def test_a_guest_who_makes_an_account_keeps_their_answers_in_the_figures(a_tallied_crowd_and_a_guest_in_it):
    """Found by walking it: a guest who came and answered, then made an
    account with the same address, dropped out of "answered" (their bookings
    kept the guest's key, so the emailed links still work, while their
    answers moved to the account's), in the figures counted live and in the
    settled tallies alike."""
    from core.accounts import services as accounts
    events, email = a_tallied_crowd_and_a_guest_in_it
    answered, came = respondents(events), report(Scope("all")).groups[0].people["came"]
    user = accounts.sign_up(name="Crowd member", email=email, password="lantern orchard velvet")
    accounts.confirm_email(accounts.email_confirmation_token(user), password="lantern orchard velvet")
    db.session.commit()
    assert respondents(events) == answered
    assert report(Scope("all")).groups[0].people["came"] == came  # the same people, not one more
    assert report(Scope("all")).events == report(Scope("all"), from_tallies=False).events


def test_a_guest_whose_account_has_answers_already_counts_with_the_accounts_in_the_tallies(
        a_tallied_crowd_and_a_guest_in_it):
    """The guest's bookings become the account's when it proves the address;
    when the account had answered already, the guest's answers stay apart and
    the bookings count with the account's: the settled tallies follow."""
    from core.accounts import services as accounts
    from core.equality import services as equality
    events, email = a_tallied_crowd_and_a_guest_in_it
    user = accounts.sign_up(name="Crowd member", email=email, password="lantern orchard velvet")
    equality.give_consent(equality.person_key(user), user=user)
    equality.save_answers(equality.person_key(user), {"ethnic_group": "other", "religion": "sikh",
                                                      "age_band": "65_74", "sex": "male"})
    db.session.commit()
    accounts.confirm_email(accounts.email_confirmation_token(user), password="lantern orchard velvet")
    db.session.commit()
    assert report(Scope("all")).events == report(Scope("all"), from_tallies=False).events


def test_a_report_counts_its_people_once_as_counting_each_figure_live_would(world):
    """A report works out who took part once (queries.participation, kept in
    a temporary table while it is built) and counts every figure about
    different people from that: each is what counting it live gives."""
    from sqlalchemy import func, select
    from core.equality.models import EqualityLink, EqualityResponse
    from events.models import Attendance, Event, Registration, counted_person
    from reports.quarters import quarter_end_day, quarter_start, quarter_start_day
    from tests.events.factories import RegistrationFactory
    from tests.reports.fixtures import answer
    # Person 11 answered, and registered only for event C, in the earliest quarter, and did not come.
    RegistrationFactory(event=db.session.get(Event, world["c"]), email="person11@example.org", name="Person 11")
    answer("person11@example.org", {"ethnic_group": "white"})
    db.session.commit()

    def checked(scope):
        """Each figure of `scope`'s participation against counting it live; the live figures."""
        events = scope.event_ids(settled=True)
        starts = sorted({quarter_start(starts_at) for starts_at in db.session.scalars(
            select(Event.starts_at).where(Event.id.in_(events)))})
        first, last = queries.first_and_last_days(events)
        people = queries.participants(events)

        def differing_from(neighbour):
            return queries.respondents_differing(people, queries.participants(neighbour.event_ids(settled=True)))

        def named_people_by(grouping):
            return dict(db.session.execute(
                select(grouping, func.count(func.distinct(counted_person())))
                .join(Attendance, Attendance.registration_id == Registration.id)
                .join(Event, Event.id == Registration.event_id)
                .where(Registration.event_id.in_(events)).group_by(grouping)).all())

        answering = db.session.scalar(
            select(func.count()).select_from(people).join(EqualityLink, EqualityLink.person_key == people.c.person_key)
            .join(EqualityResponse, EqualityResponse.subject_id == EqualityLink.subject_id))
        live = (answering, differing_from(replace(scope, starts=quarter_end_day(first) + timedelta(days=1))),
                differing_from(replace(scope, ends=quarter_start_day(last) - timedelta(days=1))))
        live_people = set(db.session.execute(select(people)).all())
        with queries.participation(events, starts) as participation:
            assert set(db.session.execute(select(participation.people())).all()) == live_people
            assert participation.named_people_by("period") == named_people_by(queries.period_of(starts))
            assert participation.named_people_by("kind") == named_people_by(Event.kind)
            assert participation.respondents() == live
        return live, len(starts)

    everything, quarters = checked(Scope("all"))
    assert quarters >= 2, "the world's events should span quarters"
    assert everything[1] > 0 and everything[2] > 0  # person 11 alone in the first quarter; A and B's in the last
    # Another report's straight after (its statements compiled once, its dates and events its own):
    recent_only, _quarters = checked(recent())
    assert recent_only != everything


def test_no_statement_of_a_report_searches_the_records_again_for_each_person(world, app):
    """Found by `make bench` at 1,000,000 records: who had come before was a
    subquery matched to each person by their key, which no index holds, and
    SQLite read every registration again for each of them (the all-events
    report ran past the worker's 30 seconds); written as IN, PostgreSQL did
    the same once the set was too big to hash. No statement a report makes
    may run a subquery per row, on either database."""
    from sqlalchemy import event as sa_event
    sqlite = db.engine.dialect.name == "sqlite"
    statements, per_row = [], []

    def explained(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
        query = statement[statement.upper().index(" AS ") + 4:] if statement.startswith("CREATE") else statement
        if not query.lstrip().upper().startswith(("SELECT", "WITH")):
            return
        if sqlite:
            plan = [row[-1] for row in cursor.connection.execute(f"EXPLAIN QUERY PLAN {query}", parameters)]
        else:
            plan = [row[0] for row in cursor.connection.execute(f"EXPLAIN {query}", parameters)]
        # SQLite's "CORRELATED", and a PostgreSQL SubPlan used unhashed (not the node's own "SubPlan 1" line),
        # run once a row. (Whether PostgreSQL can hash a set depends on its size, which data this small cannot
        # show: every set here is small enough.)
        per_row.extend(statement for line in plan if "CORRELATED" in line or (
            not line.strip().startswith("SubPlan") and re.search(r"(?<!hashed )SubPlan \d", line)))
    sa_event.listen(db.engine, "before_cursor_execute", explained)
    try:
        for scope in (Scope("all"), Scope("event", world["a"]), recent()):
            report(scope)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", explained)
    assert any("report_participation" in statement for statement in statements)
    assert per_row == []
