"""The panel's decisions and their publication, without and with HTTP:
rationale required, shortlist after judging, winners from the announcement
date with every nomination decided, locked once published, reopened with a
reason, and certificates as text."""

import pytest
from sqlalchemy import select

from awards import decisions
from awards.models import (
    AwardCycle, ConflictDeclaration, ConflictKind, Nomination, NominationStatus, NomineeKind, Outcome, PanelMember,
)
from awards.services import AwardRuleBroken
from core.database import utcnow, write_lock
from core.extensions import db
from core.models import AuditEntry, OutboxMessage
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.conftest import sign_in, submit
from events.models import EventKind
from tests.events.factories import EventFactory
from tests.events.test_pdf import pdf_text
from tests.factories import UserFactory


def decided_cycle(**fields):
    return CycleFactory(announcing=True, **fields)


def eligible(category, name, nominee_email=""):
    nomination = Nomination(category=category, status=NominationStatus.ELIGIBLE, nominator_name="Pat",
                            nominator_email="pat@example.org", relationship_to_nominee="Neighbour",
                            nominee_name=name, nominee_kind=NomineeKind.INDIVIDUAL, nominee_area="Corby",
                            nominee_email=nominee_email, nominee_knows=bool(nominee_email))
    db.session.add(nomination)
    db.session.flush()
    return nomination


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def test_decisions_publish_in_order_and_lock_until_reopened_with_a_reason(ctx):
    category, admin = CategoryFactory(cycle=decided_cycle(), name="Unsung Hero"), UserFactory()
    cycle = category.cycle
    amira, grace = eligible(category, "Amira Hussain", "amira@example.org"), eligible(category, "Grace Okafor")
    with pytest.raises(AwardRuleBroken, match="Write the panel's reason") as refused:
        decisions.decide(amira, Outcome.WINNER, rationale=" ", actor=admin)
    assert refused.value.field == "rationale"
    decisions.decide(amira, Outcome.WINNER, rationale="Lasting change across five faiths", actor=admin)
    with pytest.raises(AwardRuleBroken, match="Decide every eligible nomination first: Grace Okafor"):
        decisions.publish_results(cycle, actor=admin)
    decisions.decide(grace, Outcome.SHORTLISTED, rationale="Strong local work", actor=admin)
    assert decisions.publish_shortlist(cycle, actor=admin) == 2
    emailed = db.session.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.subject == "Shortlisted: Unsung Hero")).all()
    assert sorted(emailed) == ["amira@example.org", "pat@example.org", "pat@example.org"]
    decisions.publish_results(cycle, actor=admin)
    assert db.session.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.subject == "Winner: Unsung Hero")).all() == ["pat@example.org", "amira@example.org"]
    with pytest.raises(AwardRuleBroken, match="decisions are locked"):
        decisions.decide(grace, Outcome.WINNER, rationale="Changed our minds", actor=admin)
    with pytest.raises(AwardRuleBroken, match="Say why"):
        decisions.reopen_results(cycle, reason="", actor=admin)
    decisions.reopen_results(cycle, reason="A judge's conflict came to light", actor=admin)
    decisions.decide(grace, Outcome.HIGHLY_COMMENDED, rationale="On reflection", actor=admin)
    reopened = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "awards.results_reopened"))
    assert reopened.details == {"reason": "A judge's conflict came to light"}
    winners = decisions.published(cycle, (Outcome.WINNER, Outcome.HIGHLY_COMMENDED))
    assert [(c.name, [d.nomination.nominee_name for d in listed]) for c, listed in winners] == [
        ("Unsung Hero", ["Amira Hussain", "Grace Okafor"])]


def test_nothing_is_published_early(ctx):
    now = utcnow()
    judging = CategoryFactory(cycle=CycleFactory(judging=True))
    decisions.decide(eligible(judging, "Amira Hussain"), Outcome.WINNER, rationale="Best", actor=UserFactory())
    with pytest.raises(AwardRuleBroken, match="once judging has closed"):
        decisions.publish_shortlist(judging.cycle, actor=UserFactory())
    with pytest.raises(AwardRuleBroken, match="from the announcement date"):
        decisions.publish_results(judging.cycle, actor=UserFactory(), now=now)


def test_the_public_see_the_shortlist_then_the_winners_and_certificates_print(app, client, make_user):
    with app.test_request_context(), write_lock(every_transaction=True):
        category = CategoryFactory(cycle=decided_cycle(name="Awards 2026"), name="Unsung Hero")
        amira, grace = eligible(category, "Amira Hussain"), eligible(category, "Grace Okafor")
        decisions.decide(amira, Outcome.WINNER, rationale="Best", actor=UserFactory())
        decisions.decide(grace, Outcome.NOT_SHORTLISTED, rationale="Less reach", actor=UserFactory())
        db.session.commit()
        cycle_id = category.cycle_id
    assert client.get(f"/awards/{cycle_id}/shortlist").status_code == 404
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    manage = f"/manage/awards/{cycle_id}"
    submit(team, f"{manage}/publish-shortlist", form_url=manage)
    shortlist = client.get(f"/awards/{cycle_id}/shortlist").get_data(as_text=True)
    assert "Amira Hussain" in shortlist and "Grace Okafor" not in shortlist and "Winner" not in shortlist
    assert client.get(f"/awards/{cycle_id}/winners").status_code == 404
    submit(team, f"{manage}/publish-results", form_url=manage)
    winners = client.get(f"/awards/{cycle_id}/winners").get_data(as_text=True)
    assert "Winner" in winners and "Amira Hussain" in winners
    pdf = team.get(f"{manage}/certificates.pdf")
    assert pdf.mimetype == "application/pdf"
    pages, text = pdf_text(pdf.data)  # real text, not a picture of it
    assert pages == 1 and "Amira Hussain" in text and "Winner" in text and "Unsung Hero" in text
    assert "Grace Okafor" not in text
    with app.app_context():
        assert db.session.get(AwardCycle, cycle_id).results_published_at is not None


def test_the_results_record_and_the_ceremony_page_tell_how_winners_were_chosen(app, make_user):
    with app.test_request_context(), write_lock(every_transaction=True):
        ceremony = EventFactory(title="Awards evening", kind=EventKind.AWARDS_CEREMONY)
        category = CategoryFactory(cycle=decided_cycle(name="Awards 2026", ceremony_id=ceremony.id),
                                   name="Unsung Hero")
        judge = UserFactory(name="Jo Judge")
        db.session.add(PanelMember(category_id=category.id, email=judge.email, user_id=judge.id))
        amira, grace = eligible(category, "Amira Hussain"), eligible(category, "Grace Okafor")
        db.session.add(ConflictDeclaration(nomination_id=grace.id, judge_id=judge.id, kind=ConflictKind.FAMILY))
        decisions.decide(amira, Outcome.WINNER, rationale="Lasting change", actor=UserFactory())
        decisions.decide(grace, Outcome.SHORTLISTED, rationale="Strong local work", actor=UserFactory())
        db.session.commit()
        cycle_id, ceremony_id = category.cycle_id, ceremony.id
    visitor = app.test_client()
    assert "The shortlist" not in visitor.get(f"/events/{ceremony_id}").get_data(as_text=True)
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    manage = f"/manage/awards/{cycle_id}"
    submit(team, f"{manage}/publish-shortlist", form_url=manage)
    shown = visitor.get(f"/events/{ceremony_id}").get_data(as_text=True)
    assert "The shortlist: Awards 2026" in shown and "Grace Okafor" in shown and "Winner" not in shown
    submit(team, f"{manage}/publish-results", form_url=manage)
    shown = visitor.get(f"/events/{ceremony_id}").get_data(as_text=True)
    assert "The winners: Awards 2026" in shown and "Winner: Amira Hussain" in shown and "Grace Okafor" not in shown

    _, text = pdf_text(team.get(f"{manage}/record.pdf").data)
    assert "Panel: Jo Judge." in text and "Jo Judge on Grace Okafor (family)" in text
    assert "Winner: Lasting change" in text and "Shortlisted: Strong local work" in text
    rows = team.get(f"{manage}/record.csv").get_data(as_text=True).splitlines()
    assert rows[0].lstrip("\ufeff").startswith("Category,Nominee,")
    assert any(row.startswith("Unsung Hero,Amira Hussain,") and row.endswith("Winner,Lasting change")
               for row in rows)
