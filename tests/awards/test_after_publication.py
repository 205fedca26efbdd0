"""Issue 20, found by the browser walk and the attack on the awards: what
holds once results are published (judges' scores, the cycle's dates), a
nomination nobody screened, what the public and nominators are shown, and
who is emailed when the winners are published again after a reopen."""
from datetime import timedelta

import pytest

from awards import cycle_setup, decisions, judging, nominating, screening
from awards.models import AwardCycle, ConflictKind, Nomination, NominationStatus, NomineeKind, Outcome, PanelMember
from awards.cycle_setup import CycleDetails
from awards.errors import AwardRuleBroken
from core.database import utcnow, write_lock
from core.extensions import db
from tests.awards.factories import CategoryFactory
from tests.awards.test_decisions import by, decided_cycle, eligible, scored, subjects_to
from tests.conftest import sign_in, submit
from tests.factories import UserFactory


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def sent(category, name, nominator="pat", nominator_id=None):
    """A nomination sent and never screened."""
    nomination = Nomination(category=category, status=NominationStatus.SUBMITTED, nominator_name=nominator.capitalize(),
                            nominator_email=f"{nominator}@example.org", nominator_id=nominator_id,
                            relationship_to_nominee="Neighbour", nominee_name=name,
                            nominee_kind=NomineeKind.INDIVIDUAL, nominee_area="Corby", submitted_at=utcnow())
    db.session.add(nomination)
    db.session.flush()
    return nomination


def details_of(cycle, **changed) -> CycleDetails:
    fields = {name: getattr(cycle, name) for name in (
        "name", "nominations_open_at", "nominations_close_at", "judging_opens_at", "judging_closes_at",
        "announce_at")}
    return CycleDetails(**{**fields, **changed})


def test_judges_cannot_score_published_results_even_if_the_dates_move_back(ctx):
    """1: the dates moved so that judging was open again, and a judge saved
    and submitted scores under the published results."""
    category, admin = CategoryFactory(cycle=decided_cycle(), name="Unsung Hero"), UserFactory()
    cycle = category.cycle
    amira = eligible(category, "Amira Hussain")
    scored(amira)
    judge = UserFactory()
    db.session.add(PanelMember(category_id=category.id, email=judge.email, user_id=judge.id))
    judging.declare(amira, judge, ConflictKind.NONE)
    decisions.decide(amira, Outcome.WINNER, rationale="Lasting change", actor=admin)
    decisions.publish_results(cycle, actor=admin)

    later = utcnow() + timedelta(days=30)
    with pytest.raises(AwardRuleBroken, match="Reopen the results first") as refused:
        cycle_setup.save_cycle(cycle, details_of(cycle, judging_closes_at=later, announce_at=later), actor=admin)
    assert refused.value.field == "announce"
    cycle_setup.save_cycle(cycle, details_of(cycle, name="Renamed awards"), actor=admin)  # other changes are fine

    cycle.judging_closes_at = cycle.announce_at = later  # as a cycle moved before this rule was
    db.session.flush()
    scores = {criterion.id: 5 for criterion in category.criteria}
    with pytest.raises(AwardRuleBroken, match="The results are published, so judges' scores and conflicts are "
                                              "locked. Reopen the results first."):
        judging.score(amira, judge, scores, submit=False)
    with pytest.raises(AwardRuleBroken, match="The results are published"):
        judging.score(amira, judge, scores, submit=True)
    assert judging.sheet_of(amira, judge) is None

    decisions.reopen_results(cycle, reason="A judge had not scored", actor=admin)
    judging.score(amira, judge, scores, submit=False)
    cycle.results_published_at = utcnow()  # published again: the saved draft cannot be submitted now
    db.session.flush()
    with pytest.raises(AwardRuleBroken, match="The results are published"):
        judging.submit_scores(amira, judge)


def test_an_unscreened_nomination_is_screened_before_anything_is_published(ctx):
    """2: a nomination nobody screened could no longer be screened once
    judging finished, and the shortlist and winners were published without it."""
    category, admin = CategoryFactory(cycle=decided_cycle(), name="Unsung Hero"), UserFactory()
    cycle = category.cycle
    amira, forgotten = eligible(category, "Amira Hussain"), sent(category, "Sam Jones", "cal")
    scored(amira)
    decisions.decide(amira, Outcome.WINNER, rationale="Lasting change", actor=admin)
    for publish in (decisions.publish_shortlist, decisions.publish_results):
        with pytest.raises(AwardRuleBroken, match="1 nomination has not been screened"):
            publish(cycle, actor=admin)
    assert cycle.shortlist_published_at is None and cycle.results_published_at is None
    assert screening.why_screening_is_closed(forgotten) is None
    assert screening.why_screening_is_closed(amira) is not None  # screened ones stay as they were
    screening.mark_ineligible(forgotten, reason="Lives outside the county", actor=admin)
    assert subjects_to("cal@example.org") == ["Your nomination: Unsung Hero"]
    decisions.publish_shortlist(cycle, actor=admin)
    late = sent(category, "Lee Late", "dee")  # e.g. sent before this rule: screening is over now
    assert screening.why_screening_is_closed(late) == ("The shortlist is published, so screening decisions can no "
                                                       "longer change")
    decisions.publish_results(cycle, actor=admin)


def test_republishing_emails_only_those_whose_result_changed(ctx):
    """5: reopening and publishing again emailed every nominator the same result again."""
    category, admin = CategoryFactory(cycle=decided_cycle(), name="Unsung Hero"), UserFactory()
    won, commended = by(category, "Amira Hussain", "ann"), by(category, "Grace Okafor", "ben")
    same = by(category, "Sam Jones", "cal")
    scored(won)
    decisions.decide(won, Outcome.WINNER, rationale="Lasting change", actor=admin)
    decisions.decide(commended, Outcome.SHORTLISTED, rationale="Strong", actor=admin)
    decisions.decide(same, Outcome.SHORTLISTED, rationale="Strong too", actor=admin)
    decisions.publish_results(category.cycle, actor=admin)
    decisions.reopen_results(category.cycle, reason="Grace's referee was missed", actor=admin)
    decisions.decide(commended, Outcome.HIGHLY_COMMENDED, rationale="On reflection", actor=admin)
    decisions.publish_results(category.cycle, actor=admin)
    assert subjects_to("ann@example.org") == ["Winner: Unsung Hero"]
    assert subjects_to("ben@example.org") == ["Winners announced: Unsung Hero", "Highly commended: Unsung Hero"]
    assert subjects_to("cal@example.org") == ["Winners announced: Unsung Hero"]


def test_a_shortlist_announced_after_a_reopen_is_followed_by_the_result_again(ctx):
    """Found by the nomination lifecycle machine: winners published, reopened,
    the shortlist announced, winners published again; the winner's nominator
    was skipped as told already, so their last word was "Shortlisted"."""
    category, admin = CategoryFactory(cycle=decided_cycle(), name="Unsung Hero"), UserFactory()
    won, commended = by(category, "Amira Hussain", "ann"), by(category, "Grace Okafor", "ben")
    scored(won)
    decisions.decide(won, Outcome.WINNER, rationale="Lasting change", actor=admin)
    decisions.decide(commended, Outcome.SHORTLISTED, rationale="Strong", actor=admin)
    decisions.publish_results(category.cycle, actor=admin)
    decisions.reopen_results(category.cycle, reason="Grace's referee was missed", actor=admin)
    decisions.publish_shortlist(category.cycle, actor=admin)
    decisions.publish_results(category.cycle, actor=admin)
    assert subjects_to("ann@example.org") == ["Winner: Unsung Hero", "Shortlisted: Unsung Hero",
                                              "Winner: Unsung Hero"]
    assert subjects_to("ben@example.org") == ["Winners announced: Unsung Hero", "Shortlisted: Unsung Hero",
                                              "Winners announced: Unsung Hero"]


def test_the_refusal_to_publish_an_unscored_winner_says_what_is_true(ctx):
    """5: with no conflict declared, it said a judge with a conflict cannot score."""
    category, admin = CategoryFactory(cycle=decided_cycle(), name="Young Star"), UserFactory()
    grace = eligible(category, "Grace Okafor")
    decisions.decide(grace, Outcome.WINNER, rationale="Brave work", actor=admin)
    with pytest.raises(AwardRuleBroken) as refused:
        decisions.publish_results(category.cycle, actor=admin)
    assert "No judge has scored any nomination in Young Star" in refused.value.message
    assert "conflict" not in refused.value.message and "Have a judge on its panel score it" in refused.value.message


def test_the_sentence_of_who_is_yet_to_score_says_yet_once():
    """6: "...1 judge appointed by email who has no account yet has not submitted any scores yet"."""
    assert judging.YetToScore(without_account=1).sentence == (
        "1 judge appointed by email without an account has not submitted any scores yet")
    assert judging.YetToScore(names=["Lee Late"], without_account=2).sentence == (
        "Lee Late and 2 judges appointed by email without an account have not submitted any scores yet")


def test_winners_announced_shows_only_once_they_are_published(app, client, make_user):
    """3: "Winners announced" showed from the announcement date, with no
    winners published (and again after a reopen)."""
    with app.test_request_context(), write_lock(every_transaction=True):
        category = CategoryFactory(cycle=decided_cycle(name="Awards 2026"), name="Unsung Hero")
        amira = eligible(category, "Amira Hussain")
        scored(amira)
        decisions.decide(amira, Outcome.WINNER, rationale="Best", actor=UserFactory())
        db.session.commit()
        cycle_id = category.cycle_id
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    pages = [(client, "/awards"), (client, f"/awards/{cycle_id}"), (team, f"/manage/awards/{cycle_id}"),
             (team, "/manage/awards")]
    for who, page in pages:
        shown = who.get(page).get_data(as_text=True)
        assert "Winners to be announced" in shown and "Winners announced" not in shown, page
    submit(team, f"/manage/awards/{cycle_id}/publish-results", form_url=f"/manage/awards/{cycle_id}")
    for who, page in pages:
        assert "Winners announced" in who.get(page).get_data(as_text=True), page
    submit(team, f"/manage/awards/{cycle_id}/reopen", {"reason": "A mistake"}, form_url=f"/manage/awards/{cycle_id}")
    for who, page in pages:
        shown = who.get(page).get_data(as_text=True)
        assert "Winners to be announced" in shown and "Winners announced" not in shown, page


def test_the_manage_page_says_how_many_are_unscreened_with_a_link(app, make_user):
    """2: the awards team are told before they press Publish."""
    with app.test_request_context(), write_lock(every_transaction=True):
        category = CategoryFactory(cycle=decided_cycle(), name="Unsung Hero")
        forgotten_id, cycle_id = sent(category, "Sam Jones").id, category.cycle_id
        db.session.commit()
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    manage = f"/manage/awards/{cycle_id}"
    shown = team.get(manage).get_data(as_text=True)
    assert "1 nomination has not been screened" in shown
    assert f'href="/manage/awards/{cycle_id}/nominations?status=submitted"' in shown
    refused = submit(team, f"{manage}/publish-shortlist", form_url=manage, follow_redirects=True)
    assert "1 nomination has not been screened" in refused.get_data(as_text=True)
    page = f"/manage/awards/nominations/{forgotten_id}"
    screen = team.get(page).get_data(as_text=True)
    assert 'value="eligible"' in screen and 'value="ineligible"' in screen


def test_nominators_see_the_outcome_they_were_emailed(app, client, make_user):
    """4: My nominations and the emailed link said "Eligible" after the
    nominator was emailed "Highly commended"."""
    nominator = make_user()
    with app.test_request_context(), write_lock(every_transaction=True):
        category = CategoryFactory(cycle=decided_cycle(), name="Unsung Hero")
        amira, grace = eligible(category, "Amira Hussain"), eligible(category, "Grace Okafor")
        for nomination in (amira, grace):
            nomination.nominator_id, nomination.nominator_email = nominator.id, nominator.email
        scored(amira)
        admin = UserFactory()
        decisions.decide(amira, Outcome.HIGHLY_COMMENDED, rationale="Lasting change", actor=admin)
        decisions.decide(grace, Outcome.NOT_SHORTLISTED, rationale="Less reach", actor=admin)
        link = nominating.nomination_link(amira).removeprefix("http://localhost")
        db.session.commit()
        cycle_id = category.cycle_id
    sign_in(client, nominator)

    def tags():
        mine = client.get("/my-nominations").get_data(as_text=True)
        return mine.count('class="govuk-tag govuk-tag--green">Eligible<'), mine, client.get(link).get_data(as_text=True)

    assert tags()[0] == 2
    with app.test_request_context(), write_lock(every_transaction=True):
        decisions.publish_shortlist(db.session.get(AwardCycle, cycle_id), actor=UserFactory())
        db.session.commit()
    _, mine, linked = tags()
    assert '>Shortlisted<' in mine and '>Not shortlisted<' in mine and '>Shortlisted<' in linked
    with app.test_request_context(), write_lock(every_transaction=True):
        decisions.publish_results(db.session.get(AwardCycle, cycle_id), actor=UserFactory())
        db.session.commit()
    count, mine, linked = tags()
    assert count == 0 and '>Highly commended<' in mine and '>Not shortlisted<' in mine
    assert '>Highly commended<' in linked


def test_the_dates_of_published_results_move_back_only_after_a_reopen(app, make_user):
    """1: the awards team moved a published cycle's dates back into judging."""
    with app.test_request_context(), write_lock(every_transaction=True):
        cycle = decided_cycle(name="Awards 2026")
        cycle.results_published_at = utcnow()
        db.session.commit()
        cycle_id = cycle.id
        dates = {name: [str(getattr(cycle, f"{name}_at").day), str(getattr(cycle, f"{name}_at").month),
                        str(getattr(cycle, f"{name}_at").year)]
                 for name in ("nominations_open", "nominations_close", "judging_opens", "judging_closes")}
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    future, later = utcnow() + timedelta(days=40), utcnow() + timedelta(days=41)
    edit = f"/manage/awards/{cycle_id}/edit"
    refused = submit(team, edit, {"name": "Awards 2026", **dates, "ceremony_id": "0", "normalise_after": "3",
                                  "judging_closes": [str(future.day), str(future.month), str(future.year)],
                                  "announce": [str(later.day), str(later.month), str(later.year)]})
    shown = refused.get_data(as_text=True)
    assert "announce-error" in shown and "Reopen the results first" in shown
    with app.app_context():
        assert db.session.get(AwardCycle, cycle_id).announce_at < utcnow()
