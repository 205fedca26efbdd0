"""Self-nomination where a category forbids it: saying "someone else" while
typing your own name as the nominee's is still nominating yourself."""
import re

import pytest
from sqlalchemy import func, select

from awards import nominating
from awards.models import Nomination, NominationStatus
from core.errors import DomainErrors
from core.extensions import db
from tests.awards.factories import CategoryFactory
from tests.awards.test_services import complete, ctx  # noqa: F401 (a fixture)
from tests.awards.test_views import a_category, answers, text_of
from tests.conftest import sign_in, submit
from tests.factories import UserFactory


def refusals(category, details, user=None):
    with pytest.raises(DomainErrors) as refused:
        nominating.nominate(category, details, user=user, submit=True)
    return [(problem.field, problem.message) for problem in refused.value.errors]


@pytest.mark.parametrize("nominator, nominee", [
    ("Pat Neighbour", "Pat Neighbour"),
    ("Pat Neighbour", "  pat   NEIGHBOUR "),
    ("Zoë Şahin", "Zoe Sahin"),
    ("ZOE SAHIN", "zoë şahin"),
    ("José María Núñez", "jose maria nunez"),
])
def test_a_guest_who_types_their_own_name_as_the_nominee_is_refused_beside_the_name(ctx, nominator, nominee):
    category = CategoryFactory(name="Unsung Hero")
    problems = refusals(category, complete(category, nominator_name=nominator, nominee_name=nominee))
    assert problems == [("nominee_name", "You cannot nominate yourself for Unsung Hero. Ask someone who knows "
                                         "your work to nominate you.")]
    db.session.rollback()
    assert db.session.scalar(select(func.count(Nomination.id))) == 0


def test_a_member_who_types_their_account_name_as_the_nominee_is_refused(ctx):
    category = CategoryFactory(name="Unsung Hero")
    member = UserFactory(name="Amira Hussain")
    problems = refusals(category, complete(category, nominator_name="", nominee_name="amira  hussáin"), member)
    assert [field for field, _ in problems] == ["nominee_name"]


def test_someone_elses_name_and_a_category_that_allows_it_are_fine(ctx):
    member = UserFactory(name="Amira Hussain")
    category = CategoryFactory()
    sent = nominating.nominate(category, complete(category, nominee_name="Amira Hussein"), user=member, submit=True)
    assert sent.status == NominationStatus.SUBMITTED  # a different name, one letter apart
    open_to_all = CategoryFactory(self_nomination=True)
    sent = nominating.nominate(open_to_all, complete(open_to_all, nominee_name="Amira Hussain"), user=member,
                               submit=True)
    assert sent.status == NominationStatus.SUBMITTED


def test_the_form_shows_the_refusal_beside_the_nominees_name_and_saves_nothing(app, client):
    category_id, question_ids = a_category(app, name="Unsung Hero")
    page = text_of(submit(client, f"/awards/categories/{category_id}/nominate", {
        "nominator_name": "Pat Neighbour", "nominator_email": "pat@example.org", "nominating": "other",
        "relationship": "Myself, really", "nominee_name": "PAT NEIGHBOUR", "nominee_area": "Corby",
        "nominee_knows": "yes", "data_consent": "y", **answers(question_ids)}))
    beside = re.search(r'<p id="nominee_name-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    assert beside and "You cannot nominate yourself for Unsung Hero" in beside.group(1)
    assert 'value="PAT NEIGHBOUR"' in page  # kept for correcting
    with app.app_context():
        assert db.session.scalar(select(func.count(Nomination.id))) == 0


def test_a_signed_in_member_is_refused_through_the_form_too(app, make_user):
    member = make_user(name="Sam Okafor")
    category_id, question_ids = a_category(app, name="Unsung Hero")
    browser = app.test_client()
    sign_in(browser, member)
    page = text_of(submit(browser, f"/awards/categories/{category_id}/nominate", {
        "nominating": "other", "relationship": "Colleague", "nominee_name": "sam okafor", "nominee_area": "Corby",
        "nominee_knows": "yes", "data_consent": "y", **answers(question_ids), "send": "Send nomination"}))
    assert 'id="nominee_name-error"' in page and "You cannot nominate yourself" in page


ZWSP, ZWNJ = "\u200b", "\u200c"


@pytest.mark.parametrize("nominee", [
    "Member, Mo", f"Mo Member{ZWSP}", "Mo Member (Mo)", f"{ZWSP}Mo{ZWSP} Member", "MEMBER mo.", "mo-member",
    "Mo Membe\u0301r", "Mo\u00a0Member", "Mo Member\u200f",
])
def test_a_member_who_disguises_their_own_name_is_still_nominating_themselves(ctx, nominee):
    """Word order, punctuation, added copies of a word and invisible characters
    do not make your own name someone else's (issue 18)."""
    category = CategoryFactory(name="Unsung Hero")
    member = UserFactory(name="Mo Member")
    assert refusals(category, complete(category, nominator_name="", nominee_name=nominee), member) == [
        ("nominee_name", "You cannot nominate yourself for Unsung Hero. Ask someone who knows your work to "
                         "nominate you.")]


@pytest.mark.parametrize("nominee", ["Member, Mo", f"Mo Member{ZWSP}", "Mo Member (Mo)"])
def test_the_disguises_are_refused_through_the_form_and_nothing_is_saved(app, make_user, nominee):
    member = make_user(name="Mo Member")
    category_id, question_ids = a_category(app, name="Unsung Hero")
    browser = app.test_client()
    sign_in(browser, member)
    page = text_of(submit(browser, f"/awards/categories/{category_id}/nominate", {
        "nominating": "other", "relationship": "Colleague", "nominee_name": nominee, "nominee_area": "Corby",
        "nominee_knows": "yes", "data_consent": "y", **answers(question_ids), "send": "Send nomination"}))
    beside = re.search(r'<p id="nominee_name-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    assert beside and "You cannot nominate yourself for Unsung Hero" in beside.group(1)
    with app.app_context():
        assert db.session.scalar(select(func.count(Nomination.id))) == 0


@pytest.mark.parametrize("nominator, nominee", [
    ("Mo Member", "Mo Members"), ("Mo Member", "Mo"), ("Mo Member", "Jo Member"),
    (f"فاطمه{ZWNJ}سادات حسینی", "فاطمه حسینی"),
])
def test_other_peoples_names_are_still_taken(ctx, nominator, nominee):
    category = CategoryFactory()
    member = UserFactory(name=nominator)
    sent = nominating.nominate(category, complete(category, nominee_name=nominee), user=member, submit=True)
    assert sent.status == NominationStatus.SUBMITTED


def test_a_name_spelt_with_a_zero_width_non_joiner_is_kept_as_typed_and_is_its_owners(ctx):
    """ZWNJ is refused nowhere (it is how Persian and Urdu names are spelt),
    but typed or left out it is the same name."""
    name = f"فاطمه{ZWNJ}سادات حسینی"
    category = CategoryFactory(name="Unsung Hero")
    sent = nominating.nominate(category, complete(category, nominee_name=name), user=UserFactory(), submit=True)
    assert sent.nominee_name == name
    member = UserFactory(name=name)
    problems = refusals(category, complete(category, nominator_name="", nominee_name="فاطمهسادات حسینی"), member)
    assert [field for field, _ in problems] == ["nominee_name"]
