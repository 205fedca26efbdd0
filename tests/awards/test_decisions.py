"""The panel's decisions and their publication, without and with HTTP:
rationale required, shortlist after judging, winners from the announcement
date with every nomination decided, locked once published, reopened with a
reason, and certificates as text."""

import pytest
from sqlalchemy import select

from awards import decisions, judging, screening
from awards.models import (
    AwardCycle, ConflictDeclaration, ConflictKind, Nomination, NominationStatus, NomineeKind, Outcome, PanelMember,
    Score, ScoreSheet,
)
from awards.errors import AwardRuleBroken
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
    scored(amira)
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
        scored(amira)
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
        db.session.add(ScoreSheet(nomination_id=amira.id, judge_id=judge.id, submitted_at=utcnow(), scores=[
            Score(criterion_id=criterion.id, value=4) for criterion in category.criteria]))
        decisions.decide(amira, Outcome.WINNER, rationale="Lasting change", actor=UserFactory())
        decisions.decide(grace, Outcome.SHORTLISTED, rationale="Strong local work", actor=UserFactory())
        db.session.commit()
        cycle_id, ceremony_id = category.cycle_id, ceremony.id
    visitor = app.test_client()
    assert "The shortlist" not in visitor.get(f"/events/{ceremony_id}").get_data(as_text=True)
    cycle_page = visitor.get(f"/awards/{cycle_id}").get_data(as_text=True)
    assert f'<a class="govuk-link" href="/events/{ceremony_id}">Awards evening</a>,' in cycle_page
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


# --- issue 20: what the awards team and nominators found ----------------------------------------

def scored(nomination, value=4):
    """A judge's submitted scores for the nomination, written as judging left them."""
    judge = UserFactory()
    db.session.add(PanelMember(category_id=nomination.category_id, email=judge.email, user_id=judge.id))
    db.session.add(ScoreSheet(nomination_id=nomination.id, judge_id=judge.id, submitted_at=utcnow(), scores=[
        Score(criterion_id=criterion.id, value=value) for criterion in nomination.category.criteria]))
    db.session.flush()
    return judge


def subjects_to(address):
    return db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id)).all()


def by(category, name, nominator, nominee_email=""):
    nomination = eligible(category, name, nominee_email)
    nomination.nominator_name, nomination.nominator_email = nominator.capitalize(), f"{nominator}@example.org"
    db.session.flush()
    return nomination


def test_winners_cannot_be_published_in_a_category_nobody_scored(ctx):
    """Issue 20: the only judge declared a conflict, nobody scored, and the
    category's winner was published all the same."""
    cycle, admin = decided_cycle(), UserFactory()
    heroes, young = CategoryFactory(cycle=cycle, name="Unsung Hero"), CategoryFactory(cycle=cycle, name="Young Star")
    amira, grace = eligible(heroes, "Amira Hussain"), eligible(young, "Grace Okafor")
    scored(amira)
    only_judge = UserFactory()
    db.session.add(PanelMember(category_id=young.id, email=only_judge.email, user_id=only_judge.id))
    db.session.add(ConflictDeclaration(nomination_id=grace.id, judge_id=only_judge.id, kind=ConflictKind.FAMILY))
    decisions.decide(amira, Outcome.WINNER, rationale="Lasting change", actor=admin)
    decisions.decide(grace, Outcome.WINNER, rationale="Brave work", actor=admin)
    with pytest.raises(AwardRuleBroken, match="No judge has scored any nomination in Young Star, so it cannot have "
                                              "a winner"):
        decisions.publish_results(cycle, actor=admin)
    assert cycle.results_published_at is None and subjects_to("pat@example.org") == []
    decisions.decide(grace, Outcome.SHORTLISTED, rationale="Brave work, unjudged", actor=admin)
    decisions.publish_results(cycle, actor=admin)
    assert cycle.results_published_at is not None


def test_every_nominator_hears_how_their_nomination_ended(ctx):
    """Issue 20: nominators not shortlisted were never told, and shortlisted
    ones heard nothing when the winners were published."""
    category, admin = CategoryFactory(cycle=decided_cycle(), name="Unsung Hero"), UserFactory()
    won = by(category, "Amira Hussain", "ann")
    runner_up = by(category, "Grace Okafor", "ben", nominee_email="grace@example.org")
    not_listed = by(category, "Sam Jones", "cal")
    also = by(category, "Sam Jones", "dee")  # another nomination of Sam, judged with Cal's
    also.group_with_id = not_listed.id
    scored(won)
    decisions.decide(won, Outcome.WINNER, rationale="Lasting change", actor=admin)
    decisions.decide(runner_up, Outcome.SHORTLISTED, rationale="Strong local work", actor=admin)
    decisions.decide(not_listed, Outcome.NOT_SHORTLISTED, rationale="Less reach", actor=admin)

    decisions.publish_shortlist(category.cycle, actor=admin)
    assert subjects_to("ann@example.org") == subjects_to("ben@example.org") == ["Shortlisted: Unsung Hero"]
    assert subjects_to("grace@example.org") == ["Shortlisted: Unsung Hero"]
    assert subjects_to("cal@example.org") == subjects_to("dee@example.org") == ["Shortlist announced: Unsung Hero"]
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "cal@example.org"))
    assert "Sam Jones, whom you nominated, is not on the shortlist" in body

    decisions.publish_results(category.cycle, actor=admin)
    assert subjects_to("ann@example.org")[-1] == "Winner: Unsung Hero"
    assert subjects_to("ben@example.org")[-1] == subjects_to("grace@example.org")[-1] == \
        "Winners announced: Unsung Hero"
    body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == "ben@example.org")
                              .order_by(OutboxMessage.id)).all()[-1]
    assert "Grace Okafor, whom you nominated, was shortlisted" in body and "not among the winners" in body
    assert len(subjects_to("cal@example.org")) == 1  # told once, when the shortlist was settled


def test_without_a_published_shortlist_the_winners_tell_those_not_shortlisted(ctx):
    category, admin = CategoryFactory(cycle=decided_cycle(), name="Unsung Hero"), UserFactory()
    won, not_listed = by(category, "Amira Hussain", "ann"), by(category, "Sam Jones", "cal")
    scored(won)
    decisions.decide(won, Outcome.HIGHLY_COMMENDED, rationale="Lasting change", actor=admin)
    decisions.decide(not_listed, Outcome.NOT_SHORTLISTED, rationale="Less reach", actor=admin)
    decisions.publish_results(category.cycle, actor=admin)
    assert subjects_to("ann@example.org") == ["Highly commended: Unsung Hero"]
    assert subjects_to("cal@example.org") == ["Shortlist announced: Unsung Hero"]
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "cal@example.org"))
    assert "See the winners:\nhttp://localhost/awards/" in body


def test_the_shortlist_waits_for_every_decision_and_then_holds(ctx):
    category, admin = CategoryFactory(cycle=decided_cycle(), name="Unsung Hero"), UserFactory()
    on, off = by(category, "Amira Hussain", "ann"), by(category, "Sam Jones", "cal")
    decisions.decide(on, Outcome.SHORTLISTED, rationale="Strong", actor=admin)
    with pytest.raises(AwardRuleBroken, match="Decide every eligible nomination first: Sam Jones"):
        decisions.publish_shortlist(category.cycle, actor=admin)
    decisions.decide(off, Outcome.NOT_SHORTLISTED, rationale="Less reach", actor=admin)
    decisions.publish_shortlist(category.cycle, actor=admin)
    decisions.decide(on, Outcome.WINNER, rationale="The best", actor=admin)  # on the shortlist still
    with pytest.raises(AwardRuleBroken, match="The shortlist is published and Amira Hussain is on it") as refused:
        decisions.decide(on, Outcome.NOT_SHORTLISTED, rationale="Changed our minds", actor=admin)
    assert refused.value.field == "outcome"
    with pytest.raises(AwardRuleBroken, match="The shortlist is published and Sam Jones is not on it"):
        decisions.decide(off, Outcome.WINNER, rationale="Changed our minds", actor=admin)


def test_decisions_wait_for_nominations_to_close_and_then_screening_holds(ctx):
    admin = UserFactory()
    open_now = CategoryFactory(name="Unsung Hero")
    with pytest.raises(AwardRuleBroken, match="Nominations are still open"):
        decisions.decide(eligible(open_now, "Amira Hussain"), Outcome.SHORTLISTED, rationale="Early", actor=admin)
    judging_now = CategoryFactory(cycle=CycleFactory(judging=True), name="Young Star")
    grace = eligible(judging_now, "Grace Okafor")
    decisions.decide(grace, Outcome.SHORTLISTED, rationale="Strong", actor=admin)
    with pytest.raises(AwardRuleBroken, match="The panel has decided on this nomination"):
        screening.mark_ineligible(grace, reason="Lives outside the county", actor=admin)


def test_the_decision_page_offers_no_screening_after_judging_and_no_default_decision(app, make_user):
    """Issue 20: after judging the page still offered Eligible / Not
    eligible, and the decision came pre-set to Winner."""
    with app.test_request_context(), write_lock(every_transaction=True):
        category = CategoryFactory(cycle=decided_cycle(), name="Unsung Hero")
        nomination_id, cycle_id = eligible(category, "Amira Hussain").id, category.cycle_id
        db.session.commit()
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    page = f"/manage/awards/nominations/{nomination_id}"
    shown = team.get(page).get_data(as_text=True)
    assert 'value="eligible"' not in shown and 'value="ineligible"' not in shown
    assert "Judging has finished, so screening decisions can no longer change" in shown
    assert 'name="outcome"' in shown and "checked" not in shown.split('name="outcome"', 1)[1].split("</fieldset>")[0]
    unchosen = submit(team, f"{page}/decision", {"rationale": "Lasting change"}, form_url=page)
    assert unchosen.status_code == 400 and "Choose the panel&#39;s decision" in unchosen.get_data(as_text=True)
    assert "Lasting change" in unchosen.get_data(as_text=True)  # what was typed stays
    with app.app_context():
        assert decisions.decisions_in(db.session.get(AwardCycle, cycle_id)) == {}
    chosen = submit(team, f"{page}/decision", {"outcome": "shortlisted", "rationale": "Strong"}, form_url=page)
    assert chosen.status_code == 302
    again = team.get(page).get_data(as_text=True)
    assert 'value="shortlisted" checked' in again  # a decision made shows as it is


def test_screening_is_offered_while_it_can_change(app, make_user):
    with app.test_request_context(), write_lock(every_transaction=True):
        category = CategoryFactory(cycle=CycleFactory(judging=True))
        nomination_id = eligible(category, "Amira Hussain").id
        db.session.commit()
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    shown = team.get(f"/manage/awards/nominations/{nomination_id}").get_data(as_text=True)
    assert 'value="eligible"' in shown and 'value="ineligible"' in shown


def test_no_shortlist_once_the_winners_are_published(ctx):
    """Found by the lifecycle state machine: a shortlist published after the
    winners told everyone again, the other way round."""
    category, admin = CategoryFactory(cycle=decided_cycle(), name="Unsung Hero"), UserFactory()
    won = by(category, "Amira Hussain", "ann")
    scored(won)
    decisions.decide(won, Outcome.WINNER, rationale="Lasting change", actor=admin)
    decisions.publish_results(category.cycle, actor=admin)
    with pytest.raises(AwardRuleBroken, match="The winners are published, and the shortlist with them"):
        decisions.publish_shortlist(category.cycle, actor=admin)
    assert subjects_to("ann@example.org") == ["Winner: Unsung Hero"]


def test_a_conflict_cannot_take_scores_from_published_results_until_they_are_reopened(ctx):
    """Recording a conflict removes that judge's scores; once the winners are
    published from those scores, it waits until the results are reopened (as
    decisions do), so the published winner keeps the scores it was chosen on."""
    category, admin = CategoryFactory(cycle=CycleFactory(announcing=True), name="Unsung Hero"), UserFactory()
    amira = eligible(category, "Amira Hussain")
    judge = scored(amira)
    decisions.decide(amira, Outcome.WINNER, rationale="Brought the estate together", actor=admin)
    decisions.publish_results(category.cycle, actor=admin)
    for recorded_by in (admin, None):  # the awards team's record, or the judge's own declaration
        with pytest.raises(AwardRuleBroken, match="results are published, so judges' scores and conflicts are locked"):
            judging.declare(amira, judge, ConflictKind.FAMILY, recorded_by=recorded_by)
    assert judging.has_scores(category) and judging.declaration_of(amira, judge) is None

    decisions.reopen_results(category.cycle, reason="A family connection came to light", actor=admin)
    judging.declare(amira, judge, ConflictKind.FAMILY, recorded_by=admin)
    assert not judging.has_scores(category)
    with pytest.raises(AwardRuleBroken, match="No judge has scored any nomination in Unsung Hero"):
        decisions.publish_results(category.cycle, actor=admin)
