"""Status tags (templates/_macros/status.html): every value of every status a
page shows has its words and its GOV.UK tag colour, the same on every page."""
import pytest

from awards.models import NominationStatus, Outcome, Stage
from events.models import Arrival, EventStatus, RegistrationStatus, SessionChoice
from forums.models import ActionStatus, MembershipStatus
from reports.services import Representation

COLOURS = {"govuk-tag--grey", "govuk-tag--green", "govuk-tag--yellow", "govuk-tag--red", "govuk-tag--blue"}


def render(app, macro: str, *args) -> str:
    with app.test_request_context():
        template = app.jinja_env.from_string(
            '{% from "_macros/status.html" import ' + macro + ' %}{{ ' + macro + '(*args) }}')
        return template.render(args=args)


@pytest.mark.parametrize("macro, statuses", [
    ("event_status", EventStatus), ("registration_status", RegistrationStatus),
    ("membership_status", MembershipStatus), ("action_status", ActionStatus),
    ("nomination_status", NominationStatus), ("outcome", Outcome),
])
def test_every_status_has_its_words_and_a_colour(app, macro, statuses):
    for status in statuses:
        assert status.tag in COLOURS
        assert render(app, macro, status) == f'<strong class="govuk-tag {status.tag}">{status.label}</strong>'


@pytest.mark.parametrize("status, colour", [
    (EventStatus.DRAFT, "grey"), (EventStatus.PUBLISHED, "green"), (EventStatus.POSTPONED, "red"),
    (EventStatus.CANCELLED, "red"),
    (RegistrationStatus.CONFIRMED, "green"), (RegistrationStatus.WAITLISTED, "yellow"),
    (RegistrationStatus.OFFERED, "yellow"), (RegistrationStatus.PENDING, "yellow"),
    (RegistrationStatus.CANCELLED, "red"),
    (MembershipStatus.ACTIVE, "green"), (MembershipStatus.APPLIED, "yellow"),
    (MembershipStatus.AWAITING_CONSENT, "yellow"), (MembershipStatus.SUSPENDED, "yellow"),
    (ActionStatus.OPEN, "grey"), (ActionStatus.IN_PROGRESS, "blue"), (ActionStatus.DONE, "green"),
    (NominationStatus.SUBMITTED, "yellow"), (NominationStatus.ELIGIBLE, "green"),
    (NominationStatus.INELIGIBLE, "red"), (NominationStatus.WITHDRAWN, "red"),
    (Outcome.WINNER, "green"), (Outcome.HIGHLY_COMMENDED, "blue"), (Outcome.SHORTLISTED, "blue"),
])
def test_the_colours_the_pages_showed(status, colour):
    assert status.tag == f"govuk-tag--{colour}"


def test_a_lapsed_membership_is_lapsed_whatever_its_status(app):
    assert render(app, "membership_status", MembershipStatus.ACTIVE, True) == (
        '<strong class="govuk-tag govuk-tag--yellow">Lapsed</strong>')


def test_every_stage_of_an_awards_cycle_is_blue():
    assert {stage.tag for stage in Stage} == {"govuk-tag--blue"}


@pytest.mark.parametrize("arrival, colour", [
    (Arrival.HERE, "green"), (Arrival.DID_NOT_COME, "grey"), (Arrival.CANCELLED, "red"),
])
def test_the_check_in_page_tags_who_is_here_and_who_did_not_come(app, arrival, colour):
    assert arrival.tag == f"govuk-tag--{colour}"
    assert render(app, "arrival_status", arrival) == f'<strong class="govuk-tag {arrival.tag}">{arrival.label}</strong>'


def test_someone_not_here_yet_has_no_tag_but_the_check_in_button():
    assert Arrival.NOT_YET.tag is None


def test_a_chosen_session_is_green_and_a_place_in_its_waiting_list_yellow_with_its_number(app):
    assert render(app, "session_choice", SessionChoice()) == (
        '<strong class="govuk-tag govuk-tag--green">Chosen</strong>')
    assert render(app, "session_choice", SessionChoice(queue_position=2)) == (
        '<strong class="govuk-tag govuk-tag--yellow">Waiting list, number 2</strong>')


def test_a_report_tags_only_a_difference_from_the_population(app):
    assert render(app, "representation", Representation.UNDER) == (
        '<strong class="govuk-tag govuk-tag--orange">Under-represented</strong>')
    assert render(app, "representation", Representation.OVER) == (
        '<strong class="govuk-tag govuk-tag--blue">Over-represented</strong>')
    assert render(app, "representation", Representation.SIMILAR) == "Similar"
    assert render(app, "representation", Representation.UNCLEAR) == "No clear difference"
