"""Status tags (templates/_macros/status.html): every value of every status a
page shows has its words and its GOV.UK tag colour, the same on every page."""
import pytest

from awards.models import NominationStatus, Outcome, Stage
from events.models import EventStatus, RegistrationStatus
from forums.models import ActionStatus, MembershipStatus

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
