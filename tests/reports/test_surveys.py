"""Outcome survey results: shown only once an event's survey has closed with
enough answers, every count suppressed as the diversity reports' are, and
set beside the published figures with their sources."""
import secrets
from datetime import timedelta

from core.accounts.models import User
from core.database import in_london, utcnow
from core.extensions import db
from events.models import SurveyAnswer
from reports import surveys
from tests.conftest import sign_in
from tests.events.factories import EventFactory, PriorityFactory
from tests.reports.fixtures import prepared_progress

CLOSED = timedelta(days=40)  # longer ago than attendance settling (14 days) and a link's life (14 days)


def an_event(ended_ago: timedelta, **fields):
    ends = utcnow() - ended_ago
    return EventFactory(starts_at=ends - timedelta(hours=2), ends_at=ends, **fields)


def answered(event, count: int, **answers) -> None:
    for _ in range(count):
        db.session.add(SurveyAnswer(id=secrets.token_hex(16), event_id=event.id,
                                    **answers))
    db.session.flush()


def test_an_event_shows_nothing_until_its_survey_has_closed_with_the_minimum(app):
    with app.test_request_context():
        minimum = app.config["REPORT_MINIMUM_RESPONDENTS"]
        still_open = an_event(timedelta(days=3))
        answered(still_open, minimum + 5, overall="good")
        too_few = an_event(CLOSED)
        answered(too_few, minimum - 1, overall="good")
        enough = an_event(CLOSED)
        answered(enough, minimum, overall="good")
        assert not surveys.event_results(still_open).shown
        assert not surveys.event_results(too_few).shown
        shown = surveys.event_results(enough)
        assert shown.shown and shown.answers == minimum
        assert shown.questions[0].table.shown("good") == minimum


def test_small_counts_are_hidden_and_cannot_be_worked_out_from_the_total(app):
    with app.test_request_context():
        event = an_event(CLOSED)
        answered(event, 9, overall="good", get_on_well="definitely_agree")
        answered(event, 1, overall="poor", get_on_well="tend_to_disagree")
        answered(event, 6, overall="very_good", get_on_well="tend_to_agree")
        overall, _, get_on_well, _ = surveys.event_results(event).questions
        assert overall.table.shown("poor") == "<5"
        # 16 answered, 9 + 6 shown: "poor" would be 1 by subtraction, so one more count is hidden.
        hidden = [key for key in ("good", "very_good", "answered", "not_answered") if overall.table.hidden(key)]
        assert hidden
        assert get_on_well.table.shown("tend_to_disagree") == "<5"
        assert get_on_well.agreeing is None or get_on_well.table.hidden("disagree")


def test_one_more_answer_never_shows_as_a_change(app):
    """The differencing attempt: an organiser looks, someone answers, the
    organiser looks again. While the survey is open both looks show nothing;
    once it has closed no answer can come, so the figures never move by one."""
    with app.test_request_context():
        minimum = app.config["REPORT_MINIMUM_RESPONDENTS"]
        event = an_event(timedelta(days=20))  # sending has ended; links still work for a few days
        answered(event, minimum, overall="good")
        before = surveys.event_results(event)
        answered(event, 1, overall="very_poor")
        after = surveys.event_results(event)
        assert not before.shown and not after.shown
        assert before.answers == after.answers == 0


def test_an_event_closing_with_too_few_answers_leaves_its_priority_unchanged(app):
    """A priority's figures change only by a whole closed event's answers, which its own page shows."""
    with app.test_request_context():
        minimum = app.config["REPORT_MINIMUM_RESPONDENTS"]
        priority = PriorityFactory()
        year = in_london(utcnow() - CLOSED).year
        counted = an_event(CLOSED, priorities=[priority])
        answered(counted, minimum, get_on_well="definitely_agree")
        before = surveys.results_by_priority([priority], year)[0].results
        lone = an_event(CLOSED + timedelta(days=1), priorities=[priority])
        answered(lone, 1, get_on_well="definitely_disagree")
        after = surveys.results_by_priority([priority], year)[0].results
        assert (before.answers, before.events) == (after.answers, after.events) == (minimum, 1)
        assert before.questions[2].agreeing == after.questions[2].agreeing == 1.0


def test_a_few_people_leaving_a_question_out_still_leaves_its_agreement_shown(app):
    """How many skipped a question says nothing of anyone's answer, so it is
    published as it is and the share agreeing among those who answered stays."""
    with app.test_request_context():
        event = an_event(CLOSED)
        answered(event, 20, overall="good", get_on_well="tend_to_agree")
        answered(event, 8, overall="good", get_on_well="tend_to_disagree")
        answered(event, 2, overall="good")
        get_on_well = surveys.event_results(event).questions[2]
        assert get_on_well.table.shown("not_answered") == 2
        assert get_on_well.agreeing == 20 / 28


def test_agreement_is_compared_with_the_published_figures_and_their_sources(app):
    figures = {(figure.measure, figure.area): figure for figure in surveys.published_figures()}
    england = figures[("get_on_well", "England")]
    assert (england.percent, england.period) == (81, "2018/19") and "Community Life Survey" in england.source
    assert england.url.startswith("https://")
    assert figures[("influence", "England")].percent == 25
    county = figures[("get_on_well", "The county")]
    assert county.percent == 80 and county.period == "year not stated"


def test_the_organiser_sees_results_and_comments_once_enough_answered(app, make_user):
    organiser = make_user(roles=["organiser"])
    with app.test_request_context():
        minimum = app.config["REPORT_MINIMUM_RESPONDENTS"]
        open_event = an_event(timedelta(days=2), organisers=[db.session.get(User, organiser.id)])
        answered(open_event, 2, overall="good")
        closed = an_event(CLOSED, organisers=[db.session.get(User, organiser.id)])
        answered(closed, minimum + 1, overall="good", get_on_well="tend_to_agree", anything_else="Great food")
        db.session.commit()
        ids = open_event.id, closed.id
    client = app.test_client()
    sign_in(client, organiser)
    waiting = client.get(f"/reports/event/{ids[0]}/survey").get_data(as_text=True)
    assert "The survey closes on" in waiting and "Great food" not in waiting
    page = client.get(f"/reports/event/{ids[1]}/survey").get_data(as_text=True)
    assert "Great food" in page and "Community Life Survey" in page and "100%" in page


def test_the_progress_report_and_its_pdf_carry_the_surveys(app, make_user):
    admin = make_user(roles=["admin"])
    with app.test_request_context():
        priority = PriorityFactory(name="Bringing people together")
        PriorityFactory(name="Young people's voices")  # no events under it yet
        event = an_event(CLOSED, priorities=[priority])
        answered(event, 15, met_someone="yes", influence="tend_to_agree")
        answered(event, 5, met_someone="no", influence="tend_to_agree")
        db.session.commit()
        year = in_london(event.starts_at).year
    client = app.test_client()
    sign_in(client, admin)
    page, pdf = prepared_progress(client, year)
    assert "What people said after the events" in page and "Bringing people together" in page
    assert "Community Life Survey" in page
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    priorities = client.get(f"/reports/surveys/{year}").get_data(as_text=True)
    assert "Bringing people together" in priorities and "100%" in priorities
    assert "75%" in priorities  # met someone from a different background: 15 of the 20 who answered
    assert ">None<" not in priorities and "Not shown" in priorities


def test_free_text_is_shown_only_when_more_than_the_minimum_wrote_something(app, make_user):
    """Issue 24: comments are shown as written, so a lone one among enough tick-box answers would be one
    person's words; each is shown only among at least the minimum number of other people's."""
    organiser = make_user(roles=["organiser"])
    with app.test_request_context():
        minimum = app.config["REPORT_MINIMUM_RESPONDENTS"]
        few, many = (an_event(CLOSED, organisers=[db.session.get(User, organiser.id)]) for _ in range(2))
        answered(few, minimum + 5, overall="good")
        answered(few, minimum, overall="good", anything_else="My walking frame got stuck")
        answered(many, minimum + 1, overall="good", anything_else="Great food")
        assert surveys.event_results(few).comments == [] and surveys.event_results(few).comments_withheld
        assert surveys.event_results(many).comments == ["Great food"] * (minimum + 1)
        db.session.commit()
        ids = few.id, many.id
    client = app.test_client()
    sign_in(client, organiser)
    withheld = client.get(f"/reports/event/{ids[0]}/survey").get_data(as_text=True)
    assert "walking frame" not in withheld and "What people wrote is not shown" in withheld
    assert "Great food" in client.get(f"/reports/event/{ids[1]}/survey").get_data(as_text=True)
