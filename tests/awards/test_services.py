"""Award rules without HTTP: cycles and categories, nominating within the
window and the category's rules, a guest's confirmation, withdrawing, and
screening."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from awards import cycle_setup, nominating, screening
from awards.models import (
    AwardCategory, Decision, Nomination, NominationAnswer, NominationStatus, NomineeKind, Outcome, PanelMember,
)
from awards.cycle_setup import CategoryDetails, CycleDetails
from awards.errors import AwardRuleBroken
from awards.nominating import NominationDetails
from core.database import utcnow, write_lock
from core.errors import DomainErrors, InvalidLink
from core.extensions import db
from core.models import OutboxMessage
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.factories import UserFactory


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def complete(category, **overrides) -> NominationDetails:
    first, second = category.questions
    values = dict(nominator_name="Pat Neighbour", nominator_email="Pat@Example.org", relationship="Neighbour",
                  nominee_name="Amira Hussain", nominee_area="Corby", nominee_knows=True, data_consent=True,
                  answers={first.id: "Runs a homework club for children of five faiths.",
                           second.id: "Their parents now plan the summer trip together."})
    return NominationDetails(**{**values, **overrides})


def emails_to(address):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id)).all()


def test_count_words_counts_what_people_see_as_words():
    assert nominating.count_words("") == 0
    assert nominating.count_words("  one\ttwo\n\nthree  ") == 3
    assert nominating.count_words("don't stop-believing, 2027!") == 3


# --- cycles and categories --------------------------------------------------------------------

def test_a_cycle_moves_through_its_stages_by_date(ctx):
    cycle = CycleFactory()
    assert cycle.stage(utcnow()).value == "nominating"
    assert cycle.stage(cycle.nominations_open_at - timedelta(seconds=1)).value == "not_open"
    assert cycle.stage(cycle.nominations_close_at).value == "screening"
    assert cycle.stage(cycle.judging_opens_at).value == "judging"
    assert cycle.stage(cycle.judging_closes_at).value == "deciding"
    assert cycle.stage(cycle.announce_at).value == "announced"


@pytest.mark.parametrize("shift, field, message", [
    ({"nominations_close_at": -40}, "nominations_close", "Nominations must close after they open"),
    ({"judging_opens_at": -5}, "judging_opens", "Judging must start on or after the day nominations close"),
    ({"judging_closes_at": -31}, "judging_closes", "Judging must end after it starts"),
    ({"announce_at": -11}, "announce", "Announce the results after judging ends"),
])
def test_cycle_dates_must_run_in_order(ctx, shift, field, message):
    now = utcnow()
    dates = dict(nominations_open_at=now, nominations_close_at=now + timedelta(days=30),
                 judging_opens_at=now + timedelta(days=30), judging_closes_at=now + timedelta(days=60),
                 announce_at=now + timedelta(days=70))
    for name, days in shift.items():
        dates[name] = dates[name] + timedelta(days=days)
    with pytest.raises(AwardRuleBroken, match=message) as refused:
        cycle_setup.save_cycle(None, CycleDetails(name="Awards 2028", **dates), actor=UserFactory())
    assert refused.value.field == field


def test_categories_copy_into_a_new_cycle_with_their_questions_and_rubric(ctx):
    last_year, this_year = CycleFactory(name="Awards 2026"), CycleFactory(name="Awards 2027")
    CategoryFactory(cycle=last_year, name="Unsung Hero")
    CategoryFactory(cycle=last_year, name="Young Cohesion Champion", min_age=11, max_age=25)
    CategoryFactory(cycle=this_year, name="Unsung Hero")  # already there: left alone
    db.session.refresh(this_year)
    [copied] = cycle_setup.copy_categories(last_year, this_year, actor=UserFactory())
    assert (copied.name, copied.min_age, copied.max_age) == ("Young Cohesion Champion", 11, 25)
    assert [q.text for q in copied.questions] == ["What has the nominee done?", "What difference has it made?"]
    assert [(c.name, c.weight) for c in copied.criteria] == [("Impact", 2), ("Reach", 1)]
    db.session.refresh(this_year)
    with pytest.raises(AwardRuleBroken, match="already has every category"):
        cycle_setup.copy_categories(last_year, this_year, actor=UserFactory())


def test_a_category_name_is_unique_within_its_cycle(ctx):
    category = CategoryFactory(name="Unsung Hero")
    with pytest.raises(AwardRuleBroken, match="already has a category called Unsung Hero"):
        cycle_setup.save_category(category.cycle, None, CategoryDetails(name="unsung  hero",
                                                                        nominee_kind=NomineeKind.GROUP),
                                  actor=UserFactory())


# --- nominating -----------------------------------------------------------------------------------

def test_a_guests_nomination_counts_once_confirmed_and_they_get_a_copy(ctx):
    category = CategoryFactory()
    nomination = nominating.nominate(category, complete(category), user=None, submit=True)
    assert nomination.status == NominationStatus.UNCONFIRMED and nomination.nominator_email == "pat@example.org"
    [ask] = emails_to("pat@example.org")
    assert nominating.nomination_link(nomination) in ask.body
    nominating.confirm_nomination(nomination)
    assert nomination.status == NominationStatus.SUBMITTED and nomination.submitted_at is not None
    copy = emails_to("pat@example.org")[-1]
    assert "Runs a homework club" in copy.body and "Amira Hussain" in copy.body


def test_a_member_saves_a_draft_then_sends_it(ctx):
    category, member = CategoryFactory(), UserFactory()
    draft = nominating.nominate(category, NominationDetails(nominee_name="Amira"), user=member, submit=False)
    assert draft.status == NominationStatus.DRAFT and emails_to(member.email) == []
    sent = nominating.nominate(category, complete(category), user=member, submit=True, nomination=draft)
    assert sent is draft and sent.status == NominationStatus.SUBMITTED
    assert (sent.nominator_name, sent.nominator_email) == (member.name, member.email)
    assert len(emails_to(member.email)) == 1


def test_a_draft_with_answers_is_saved_again_and_sent_with_its_answers_changed_in_place(ctx):
    """Issue 20: saving or sending a draft that already had an answer was a
    unique-constraint error (a new answer row inserted beside the old one)
    and left the nominator stuck."""
    category, member = CategoryFactory(), UserFactory()
    first, second = category.questions
    draft = nominating.nominate(category, NominationDetails(nominee_name="Amira", answers={first.id: "Runs a club."}),
                                user=member, submit=False)
    db.session.commit()
    answer_id = draft.answers[0].id
    again = nominating.nominate(category, NominationDetails(nominee_name="Amira Hussain", answers={
        first.id: "Runs a homework club.", second.id: "Parents now meet."}), user=member, submit=False,
        nomination=draft)
    db.session.commit()
    assert {a.question_id: a.text for a in again.answers} == {first.id: "Runs a homework club.",
                                                              second.id: "Parents now meet."}
    assert answer_id in {a.id for a in again.answers}  # the same row, changed
    emptied = nominating.nominate(category, NominationDetails(nominee_name="Amira Hussain", answers={
        second.id: "Parents now meet."}), user=member, submit=False, nomination=draft)
    db.session.commit()
    assert [a.question_id for a in emptied.answers] == [second.id]  # an answer taken out of the draft goes
    sent = nominating.nominate(category, complete(category), user=member, submit=True, nomination=draft)
    db.session.commit()
    assert sent.status == NominationStatus.SUBMITTED
    assert sorted(a.text for a in sent.answers) == ["Runs a homework club for children of five faiths.",
                                                    "Their parents now plan the summer trip together."]
    assert db.session.scalar(select(func.count(NominationAnswer.id))) == 2
    with pytest.raises(AwardRuleBroken, match="already been sent"):
        nominating.nominate(category, complete(category), user=member, submit=True, nomination=draft)


def test_every_missing_answer_is_reported_at_once_and_nothing_is_saved(ctx):
    category = CategoryFactory()
    with pytest.raises(DomainErrors) as refused:
        nominating.nominate(category, NominationDetails(), user=None, submit=True)
    fields = {problem.field for problem in refused.value.errors}
    first, second = category.questions
    assert fields >= {"nominator_name", "nominator_email", "relationship", "nominee_name", "nominee_area",
                      f"question_{first.id}", f"question_{second.id}", "nominee_knows", "data_consent"}
    db.session.rollback()
    assert db.session.scalar(select(func.count(Nomination.id))) == 0


@pytest.mark.parametrize("category_fields, overrides, field, message", [
    ({}, {"nominating_self": True}, "nominating", "You cannot nominate yourself"),
    ({"min_age": 11, "max_age": 25}, {"nominee_age": 30}, "nominee_age", "is for people aged 11 to 25, and the "
                                                                        "nominee is 30"),
    ({"min_age": 11, "max_age": 25}, {}, "nominee_age", "Enter the nominee's age"),
    ({}, {"nominee_knows": False}, "nominee_not_told_reason", "Say why the nominee cannot be told yet"),
    ({}, {"referees": [("Jo", "", "A great neighbour")]}, "referee_1_relationship",
     "Say how referee 1 knows the nominee"),
])
def test_the_categorys_rules_are_refused_beside_their_field(ctx, category_fields, overrides, field, message):
    category = CategoryFactory(**category_fields)
    with pytest.raises(DomainErrors) as refused:
        nominating.nominate(category, complete(category, **overrides), user=None, submit=True)
    assert [(p.field, message in p.message) for p in refused.value.errors] == [(field, True)]


def test_word_limits_hold_even_for_drafts(ctx):
    category = CategoryFactory()
    first = category.questions[0]
    with pytest.raises(AwardRuleBroken, match="has 21 words: keep it to 20 or fewer") as refused:
        nominating.nominate(category, NominationDetails(answers={first.id: " ".join(["word"] * 21)}),
                            user=UserFactory(), submit=False)
    assert refused.value.field == f"question_{first.id}"


def test_self_nomination_is_fine_where_the_category_allows_it(ctx):
    category = CategoryFactory(self_nomination=True, nominee_kind=NomineeKind.GROUP)
    member = UserFactory()
    sent = nominating.nominate(category, complete(category, nominating_self=True, relationship="",
                                                  group_activity="A weekly lunch"), user=member, submit=True)
    assert sent.relationship_to_nominee == "Nominating myself" and sent.status == NominationStatus.SUBMITTED


def test_nominations_are_refused_outside_the_window(ctx):
    closed = CategoryFactory(cycle=CycleFactory(nominations_open_at=utcnow() - timedelta(days=30),
                                                nominations_close_at=utcnow() - timedelta(days=1)))
    with pytest.raises(AwardRuleBroken, match="are closed"):
        nominating.nominate(closed, complete(closed), user=None, submit=True)
    early = CategoryFactory(cycle=CycleFactory(nominations_open_at=utcnow() + timedelta(days=1)))
    with pytest.raises(AwardRuleBroken, match="not open yet"):
        nominating.nominate(early, complete(early), user=None, submit=True)


def test_guests_cannot_save_drafts(ctx):
    category = CategoryFactory()
    with pytest.raises(AwardRuleBroken, match="Sign in to save a nomination as a draft"):
        nominating.nominate(category, complete(category), user=None, submit=False)


def test_an_excluded_nominee_is_flagged_for_screening_not_dropped(ctx):
    category = CategoryFactory()
    cycle_setup.add_exclusion(category.cycle, name="Sam  Staff", reason="Works for the partnership",
                              actor=UserFactory())
    flagged = nominating.nominate(category, complete(category, nominee_name="sam staff"), user=UserFactory(),
                                  submit=True)
    assert flagged.status == NominationStatus.SUBMITTED
    assert flagged.screening_flags == "Sam Staff is excluded: Works for the partnership"


def test_withdrawing_works_until_nominations_close(ctx):
    category, member = CategoryFactory(), UserFactory()
    nomination = nominating.nominate(category, complete(category), user=member, submit=True)
    nominating.withdraw_nomination(nomination, actor=member)
    assert nomination.status == NominationStatus.WITHDRAWN
    later = nominating.nominate(category, complete(category), user=member, submit=True)
    with pytest.raises(AwardRuleBroken, match="can no longer be withdrawn"):
        nominating.withdraw_nomination(later, actor=member, now=category.cycle.nominations_close_at)


def test_a_forged_or_altered_link_is_refused(ctx):
    category = CategoryFactory()
    nomination = nominating.nominate(category, complete(category), user=None, submit=True)
    token = nominating.nomination_link(nomination).rsplit("/", 1)[1]
    assert nominating.nomination_for_token(token) is nomination
    with pytest.raises(InvalidLink):
        nominating.nomination_for_token(token[:-3] + "abc")


# --- screening -------------------------------------------------------------------------------------

def test_screening_rules_out_with_a_reason_emailed_or_moves_with_the_nominator_told(ctx):
    category, admin = CategoryFactory(name="Unsung Hero"), UserFactory()
    other = CategoryFactory(cycle=category.cycle, name="Young Cohesion Champion")
    elsewhere = CategoryFactory(name="Another year's category")
    first = nominating.nominate(category, complete(category), user=UserFactory(email="a@example.org"), submit=True)
    second = nominating.nominate(category, complete(category), user=UserFactory(email="b@example.org"), submit=True)
    with pytest.raises(AwardRuleBroken, match="Give the reason") as refused:
        screening.mark_ineligible(first, reason=" ", actor=admin)
    assert refused.value.field == "reason"
    screening.mark_ineligible(first, reason="Lives outside the county", actor=admin)
    assert first.status == NominationStatus.INELIGIBLE and first.screened_by_id == admin.id
    ruled_out = emails_to("a@example.org")[-1]
    assert "Lives outside the county" in ruled_out.body
    # A reply reaches the awards team: the email carries their address as its Reply-To.
    assert "reply to this email or write to the awards team at cohesion@example.org" in ruled_out.body
    assert ruled_out.reply_to == "cohesion@example.org"
    with pytest.raises(AwardRuleBroken, match="same cycle"):
        screening.move_nomination(second, elsewhere, actor=admin)
    screening.move_nomination(second, other, actor=admin)
    assert (second.category, second.status) == (other, NominationStatus.SUBMITTED)
    assert emails_to("b@example.org")[-1].subject == "Your nomination has moved to Young Cohesion Champion"
    screening.mark_eligible(second, actor=admin)
    assert second.status == NominationStatus.ELIGIBLE
    counts = screening.nomination_counts(category.cycle)
    assert counts[category.id] == {NominationStatus.INELIGIBLE: 1}
    assert counts[other.id] == {NominationStatus.ELIGIBLE: 1}


def test_drafts_and_withdrawn_nominations_cannot_be_screened(ctx):
    category, member = CategoryFactory(), UserFactory()
    draft = nominating.nominate(category, NominationDetails(nominee_name="Amira"), user=member, submit=False)
    with pytest.raises(AwardRuleBroken, match="draft, so it cannot be screened"):
        screening.mark_eligible(draft, actor=UserFactory())
    assert screening.nominations_to_screen(category.cycle) == []
    assert db.session.scalar(select(func.count(AwardCategory.id))) == 1


def test_nominations_of_the_same_nominee_are_suggested_and_grouped_only_when_confirmed(ctx):
    category, admin = CategoryFactory(), UserFactory()
    first = nominating.nominate(category, complete(category, nominee_name="Amira Hussain"), user=UserFactory(),
                                submit=True)
    same = nominating.nominate(category, complete(category, nominee_name="amira  HUSSAIN."), user=UserFactory(),
                               submit=True)
    nickname = nominating.nominate(category, complete(category, nominee_name="Amira H", nominee_area="Corby"),
                                   user=UserFactory(), submit=True)
    other = nominating.nominate(category, complete(category, nominee_name="Grace Okafor", nominee_area="Kettering"),
                                user=UserFactory(), submit=True)
    assert screening.similar_nominations(first) == [same, nickname]  # same name; same area and a shared word
    assert screening.similar_nominations(other) == []
    screening.group_nominations(same, first, actor=admin)
    assert screening.grouped_under(first) == [same] and screening.similar_nominations(first) == [nickname]
    with pytest.raises(AwardRuleBroken, match="grouped under another"):
        screening.group_nominations(nickname, same, actor=admin)
    with pytest.raises(AwardRuleBroken, match="Other nominations are grouped under this one"):
        screening.group_nominations(first, other, actor=admin)
    screening.ungroup_nomination(same, actor=admin)
    assert screening.grouped_under(first) == []


def test_judges_and_last_years_winners_are_flagged_for_screening(ctx):
    last = CategoryFactory(name="Unsung Hero", cycle=CycleFactory(
        name="Awards 2026", nominations_open_at=utcnow() - timedelta(days=400),
        nominations_close_at=utcnow() - timedelta(days=380)))
    # Last year's nominations are written directly: their window has closed.
    old = Nomination(category=last, status=NominationStatus.ELIGIBLE, nominator_name="Pat",
                     nominator_email="pat@example.org", relationship_to_nominee="Neighbour",
                     nominee_name="Grace Okafor", nominee_kind=NomineeKind.INDIVIDUAL, nominee_area="Corby")
    db.session.add(old)
    db.session.flush()
    db.session.add(Decision(nomination_id=old.id, outcome=Outcome.WINNER, rationale="Best"))
    this_year = CategoryFactory(name="Unsung Hero")
    judge = UserFactory(name="Jo Judge")
    db.session.add(PanelMember(category_id=this_year.id, email=judge.email, user_id=judge.id))
    db.session.flush()
    again = nominating.nominate(this_year, complete(this_year, nominee_name="grace okafor"), user=UserFactory(),
                                submit=True)
    assert again.screening_flags == "Grace Okafor won Unsung Hero in Awards 2026"
    judged = nominating.nominate(this_year, complete(this_year, nominee_name="Jo Judge"), user=UserFactory(),
                                 submit=True)
    assert judged.screening_flags == "Jo Judge is a judge this year"


def test_one_nominator_nominates_a_nominee_once_per_category(ctx):
    category = CategoryFactory(name="Unsung Hero")
    first = nominating.nominate(category, complete(category), user=None, submit=True)
    with pytest.raises(AwardRuleBroken, match="already nominated amira hussain for Unsung Hero") as refused:
        nominating.nominate(category, complete(category, nominee_name="amira hussain"), user=None, submit=True)
    assert refused.value.field == "nominee_name"
    nominating.nominate(category, complete(category, nominator_email="someone.else@example.org"), user=None,
                        submit=True)  # another nominator's words are welcome
    nominating.withdraw_nomination(first, actor=None)
    nominating.nominate(category, complete(category), user=None, submit=True)  # after withdrawing, again
