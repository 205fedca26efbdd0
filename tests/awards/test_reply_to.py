"""The awards' emails carry the partnership's contact address as their
Reply-To: a nominator, nominee or judge who replies reaches the awards team."""
import pytest

from awards import decisions, judging, nominating, screening
from awards.models import Outcome
from core.database import write_lock
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.awards.test_decisions import eligible, scored
from tests.awards.test_services import complete
from tests.events.test_reply_to import replies_by_subject
from tests.factories import UserFactory

PARTNERSHIP = "awards.team@example.org"


@pytest.fixture
def ctx(app):
    app.config["CONTACT_EMAIL"] = PARTNERSHIP
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def test_nominating_screening_and_judging_emails_reply_to_the_partnership(ctx):
    admin = UserFactory()
    category = CategoryFactory(name="Unsung Hero")
    other = CategoryFactory(cycle=category.cycle, name="Young Volunteer")
    confirmed, ineligible, moved, removed = (
        nominating.nominate(category, complete(category, nominator_email=f"{name}@example.org"), user=None,
                            submit=True) for name in ("pat", "sam", "kim", "lee"))
    for each in (confirmed, ineligible, moved, removed):
        nominating.confirm_nomination(each)
    screening.mark_ineligible(ineligible, reason="They live outside the county", actor=admin)
    screening.move_nomination(moved, other, actor=admin)
    screening.remove_at_nominees_request(removed, actor=admin)
    judging.appoint_judge(category, "judge@example.org", actor=admin)
    assert set(replies_by_subject()) == {"Confirm your nomination", "Your nomination",
                                         "Your nomination has moved to Young Volunteer", "You are a judge"}
    assert set().union(*replies_by_subject().values()) == {PARTNERSHIP}


def test_the_shortlist_and_results_reply_to_the_partnership(ctx):
    category, admin = CategoryFactory(cycle=CycleFactory(announcing=True), name="Unsung Hero"), UserFactory()
    amira, grace = eligible(category, "Amira Hussain", "amira@example.org"), eligible(category, "Grace Okafor")
    scored(amira)
    decisions.decide(amira, Outcome.WINNER, rationale="Lasting change across five faiths", actor=admin)
    decisions.decide(grace, Outcome.SHORTLISTED, rationale="Strong local work", actor=admin)
    decisions.publish_shortlist(category.cycle, actor=admin)
    decisions.publish_results(category.cycle, actor=admin)
    assert replies_by_subject() == {"Shortlisted": {PARTNERSHIP}, "Winner": {PARTNERSHIP},
                                    "Winners announced": {PARTNERSHIP}}
