"""Each awards page says what each stage of a cycle, each nomination status
and each kind of nominee means: every branch a template takes on them is
drawn here once (a comparison that could never be true would leave its
words off the page)."""
import re
from datetime import timedelta
from html import unescape

import pytest
from flask import render_template

from awards.models import Nomination, NominationStatus, NomineeKind, PanelMember, Stage
from awards.nominating import nomination_link
from core.accounts.models import User
from core.database import utcnow
from core.extensions import db
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.conftest import sign_in


def main_of(response):
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    return page[page.index("<main"):page.index("</main>")]


def _days(n):
    return utcnow() + timedelta(days=n)


# A cycle's dates at each stage, as days from now.
DATES = {
    Stage.NOT_OPEN: (5, 20, 25, 40, 50),
    Stage.NOMINATING: (-10, 20, 21, 51, 61),
    Stage.SCREENING: (-40, -5, 5, 20, 30),
    Stage.JUDGING: (-40, -10, -5, 20, 30),
    Stage.DECIDING: (-90, -60, -50, -20, 10),
    Stage.ANNOUNCED: (-90, -60, -50, -20, -1),
}


def _category(stage, **fields):
    opens, closes, judging_opens, judging_closes, announce = (_days(n) for n in DATES[stage])
    cycle = CycleFactory(nominations_open_at=opens, nominations_close_at=closes, judging_opens_at=judging_opens,
                         judging_closes_at=judging_closes, announce_at=announce)
    assert cycle.stage(utcnow()) == stage
    return CategoryFactory(cycle=cycle, **fields)


JUDGING_SAYS = {Stage.NOT_OPEN: "Judging opens on", Stage.NOMINATING: "Judging opens on",
                Stage.SCREENING: "Judging opens on", Stage.JUDGING: "Judging is open until",
                Stage.DECIDING: "Judging has closed.", Stage.ANNOUNCED: "Judging has closed."}


@pytest.mark.parametrize("stage", list(Stage))
def test_a_category_and_a_judges_page_follow_the_stage_of_the_cycle(app, client, make_user, stage):
    judge = make_user()
    with app.app_context():
        category = _category(stage)
        db.session.add(PanelMember(category_id=category.id, email=judge.email, user_id=judge.id))
        db.session.commit()
        category_id = category.id
    assert ("Make a nomination" in main_of(client.get(f"/awards/categories/{category_id}"))) is (
        stage == Stage.NOMINATING)
    sign_in(client, judge)
    judging = main_of(client.get("/judging"))
    assert [says for says in set(JUDGING_SAYS.values()) if says in judging] == [JUDGING_SAYS[stage]]


@pytest.mark.parametrize("kind, label", [(NomineeKind.INDIVIDUAL, "Nominee's name"),
                                         (NomineeKind.GROUP, "Group or organisation's name")])
def test_the_nomination_form_names_the_kind_of_nominee(app, client, kind, label):
    with app.app_context():
        category_id = _category(Stage.NOMINATING, nominee_kind=kind).id
    page = unescape(main_of(client.get(f"/awards/categories/{category_id}/nominate")))
    assert label in page and ("Group or organisation" in page) is (kind == NomineeKind.GROUP)


def _nomination(category, status, *, nominator=None):
    nomination = Nomination(category=category, status=status, nominator_id=nominator.id if nominator else None,
                            nominator_name="Pat Neighbour", nominator_email=nominator.email if nominator else
                            "pat@example.org", relationship_to_nominee="Neighbour", nominee_name="Amira Hussain",
                            nominee_kind=NomineeKind.INDIVIDUAL, nominee_area="Corby")
    db.session.add(nomination)
    db.session.commit()
    return nomination


# A guest's nomination by its emailed link, while nominations are open: its buttons.
BY_LINK = {
    NominationStatus.UNCONFIRMED: {"Confirm my nomination", "Withdraw it"},
    NominationStatus.SUBMITTED: {"Withdraw it"},
    NominationStatus.ELIGIBLE: {"Withdraw it"},
    NominationStatus.INELIGIBLE: set(),
    NominationStatus.WITHDRAWN: set(),
}


@pytest.mark.parametrize("status", list(BY_LINK))
def test_a_nomination_by_its_link_offers_what_its_status_allows(app, client, status):
    with app.app_context(), app.test_request_context():
        link = nomination_link(_nomination(_category(Stage.NOMINATING), status)).removeprefix("http://localhost")
    page = main_of(client.get(link))
    assert {button for button in ("Confirm my nomination", "Withdraw it") if button in page} == BY_LINK[status]
    assert f'<strong class="govuk-tag {status.tag}">{status.label}</strong>' in page
    # A guest is asked the equality questions once the nomination is theirs, confirmed.
    assert ("Answer the equality monitoring questions" in page) is (status != NominationStatus.UNCONFIRMED)


# A member's own nominations, while nominations are open: the buttons beside each.
MINE = {
    NominationStatus.DRAFT: {"Continue", "Withdraw"},
    NominationStatus.SUBMITTED: {"Withdraw"},
    NominationStatus.ELIGIBLE: {"Withdraw"},
    NominationStatus.INELIGIBLE: set(),
    NominationStatus.WITHDRAWN: set(),
}


@pytest.mark.parametrize("status", list(MINE))
def test_my_nominations_offer_what_each_status_allows(app, client, make_user, status):
    member = make_user()
    with app.app_context():
        _nomination(_category(Stage.NOMINATING), status, nominator=db.session.get(User, member.id))
    sign_in(client, member)
    page = main_of(client.get("/my-nominations"))
    assert set(re.findall(r">(Continue|Withdraw)<span", page)) == MINE[status]
    # Its tag has the colour it has everywhere else (it was the default blue for all, found walking the site).
    assert f'<strong class="govuk-tag {status.tag}">{status.label}</strong>' in page


@pytest.mark.parametrize("status", [NominationStatus.SUBMITTED, NominationStatus.ELIGIBLE])
def test_only_an_eligible_nomination_has_the_panels_decision_on_its_screening_page(app, client, make_user, status):
    team = make_user(roles=["awards_administrator"])
    with app.app_context():
        nomination_id = _nomination(_category(Stage.DECIDING), status).id
    sign_in(client, team)
    page = main_of(client.get(f"/manage/awards/nominations/{nomination_id}"))
    assert ("The panel&#39;s decision" in page) is (status == NominationStatus.ELIGIBLE)


@pytest.mark.parametrize("status, says", [(NominationStatus.UNCONFIRMED, "Check your email"),
                                          (NominationStatus.SUBMITTED, "Nomination sent")])
def test_the_page_after_nominating_says_whether_the_email_link_is_still_to_follow(app, status, says):
    """A guest's nomination counts once its emailed link is followed; a
    member's is sent at once: the title and the page say the same."""
    with app.app_context(), app.test_request_context():
        nomination = _nomination(_category(Stage.NOMINATING), status)
        page = render_template("awards/nominated.html", nomination=nomination)
    title, main = page[page.index("<title>"):page.index("</title>")], page[page.index("<main"):]
    assert title.startswith(f"<title>{says}") and says in main
    other = ({"Check your email", "Nomination sent"} - {says}).pop()
    assert other not in page
