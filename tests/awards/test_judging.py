"""Judging rules without HTTP: panels, conflicts declared before seeing a
nomination, scoring within the window, and results from submitted scores."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from awards import judging, screening
from awards.models import ConflictKind, Nomination, NominationStatus, NomineeKind, PanelMember, ScoreSheet
from awards.errors import AwardRuleBroken
from core.accounts import services as core_services
from core.database import write_lock
from core.errors import DomainErrors
from core.extensions import db
from core.models import OutboxMessage
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def judging_now():
    return CycleFactory(judging=True, normalise_after=2)


def eligible(category, name="Amira Hussain") -> Nomination:
    nomination = Nomination(category=category, status=NominationStatus.ELIGIBLE, nominator_name="Pat",
                            nominator_email="pat@example.org", relationship_to_nominee="Neighbour",
                            nominee_name=name, nominee_kind=NomineeKind.INDIVIDUAL, nominee_area="Corby")
    db.session.add(nomination)
    db.session.flush()
    return nomination


def on_panel(category, *judges):
    for judge in judges:
        judging.appoint_judge(category, judge.email, actor=UserFactory())


def all_scores(category, value):
    return {criterion.id: value for criterion in category.criteria}


def test_appointing_emails_the_judge_and_an_address_without_an_account_is_claimed_once_confirmed(ctx):
    category = CategoryFactory(name="Unsung Hero")
    judge = UserFactory()
    on_panel(category, judge)
    assert judging.is_judge_of(judge, category.id)
    subjects = db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.recipient == judge.email)).all()
    assert subjects == ["You are a judge: Unsung Hero"]
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == judge.email))
    assert "once judging opens:\nhttp://localhost/judging\n" in body  # the link on a line of its own (issue 20)
    with pytest.raises(AwardRuleBroken, match="already on the Unsung Hero panel"):
        judging.appoint_judge(category, judge.email.upper(), actor=UserFactory())
    judging.appoint_judge(category, "new.judge@example.org", actor=UserFactory())
    newcomer = UserFactory(email="new.judge@example.org", email_confirmed_at=None)
    assert not judging.is_judge_of(newcomer, category.id)  # the address is not proven yet
    core_services.confirm_email(core_services.email_confirmation_token(newcomer), password=PASSWORD)
    assert judging.is_judge_of(newcomer, category.id)


def test_the_panels_a_judge_is_shown_are_the_panels_they_are_let_judge(ctx):
    """The judging page lists `panels_for`; each nomination opened from it is
    checked with `is_judge_of`, and the second factor asks `sits_on_a_panel`:
    one read (awards.queries.panels_of) answers all three, for a judge, a seat
    whose address is not proven yet, someone on no panel, and a visitor."""
    cycle = judging_now()
    mine, theirs, empty = (CategoryFactory(cycle=cycle, name=name, position=n)
                           for n, name in enumerate(("Unsung Hero", "Young Star", "Group")))
    judge, other_judge, nobody = UserFactory(), UserFactory(), UserFactory()
    on_panel(mine, judge)
    on_panel(theirs, judge, other_judge)
    judging.appoint_judge(mine, "not.yet@example.org", actor=UserFactory())
    unproven = UserFactory(email="not.yet@example.org", email_confirmed_at=None)
    for person in (judge, other_judge, unproven, nobody, AnonymousUserMixin()):
        listed = judging.panels_for(person)
        assert {c.id for c in listed} == {c.id for c in (mine, theirs, empty) if judging.is_judge_of(person, c.id)}
        if person.is_authenticated:
            assert judging.sits_on_a_panel(person) == bool(listed)
    assert [c.name for c in judging.panels_for(judge)] == ["Unsung Hero", "Young Star"]
    assert judging.panels_for(unproven) == [] and judging.panels_for(AnonymousUserMixin()) == []


def test_a_judge_sees_a_nomination_only_after_declaring_no_conflict(ctx):
    category = CategoryFactory(cycle=judging_now())
    judge = UserFactory()
    on_panel(category, judge)
    nomination = eligible(category)
    assert not judging.may_see(nomination, judge)
    judging.declare(nomination, judge, ConflictKind.NONE)
    assert judging.may_see(nomination, judge)
    with pytest.raises(AwardRuleBroken, match="already declared"):
        judging.declare(nomination, judge, ConflictKind.FAMILY)


def test_a_declared_conflict_takes_the_judge_off_the_nomination(ctx):
    category = CategoryFactory(cycle=judging_now())
    judge = UserFactory()
    on_panel(category, judge)
    nomination = eligible(category)
    judging.declare(nomination, judge, ConflictKind.CLOSE_FRIEND)
    assert not judging.may_see(nomination, judge)
    with pytest.raises(AwardRuleBroken, match="You cannot score this nomination"):
        judging.score(nomination, judge, all_scores(category, 3), submit=True)
    assert [c.kind for c in judging.conflicts_in(category.cycle)] == [ConflictKind.CLOSE_FRIEND]


def test_a_conflict_recorded_by_an_administrator_removes_scores_already_given(ctx):
    category = CategoryFactory(cycle=judging_now())
    judge, admin = UserFactory(), UserFactory()
    on_panel(category, judge)
    nomination = eligible(category)
    judging.declare(nomination, judge, ConflictKind.NONE)
    judging.score(nomination, judge, all_scores(category, 4), submit=True)
    judging.declare(nomination, judge, ConflictKind.EMPLOYMENT, note="Works for the nominee", recorded_by=admin)
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0
    assert judging.declaration_of(nomination, judge).recorded_by_id == admin.id


def test_other_needs_a_note(ctx):
    category = CategoryFactory(cycle=judging_now())
    judge = UserFactory()
    on_panel(category, judge)
    with pytest.raises(AwardRuleBroken, match="Say what the connection is") as refused:
        judging.declare(eligible(category), judge, ConflictKind.OTHER)
    assert refused.value.field == "note"


def test_only_panel_members_declare(ctx):
    category = CategoryFactory(cycle=judging_now())
    with pytest.raises(AwardRuleBroken, match="is not on the"):
        judging.declare(eligible(category), UserFactory(), ConflictKind.NONE)


def test_scores_are_drafted_then_submitted_once_within_the_window(ctx):
    category = CategoryFactory(cycle=judging_now())
    impact, reach = category.criteria
    judge = UserFactory()
    on_panel(category, judge)
    nomination = eligible(category)
    judging.declare(nomination, judge, ConflictKind.NONE)
    draft = judging.score(nomination, judge, {impact.id: 4, reach.id: None}, submit=False)
    assert draft.submitted_at is None and draft.score_for(impact.id) == 4
    with pytest.raises(DomainErrors) as incomplete:
        judging.score(nomination, judge, {impact.id: 4, reach.id: None}, submit=True)
    assert [p.field for p in incomplete.value.errors] == [f"criterion_{reach.id}"]
    with pytest.raises(DomainErrors) as off_scale:
        judging.score(nomination, judge, {impact.id: 6, reach.id: 0}, submit=True)
    assert [p.message for p in off_scale.value.errors] == ["Score “Impact” from 1 to 5", "Score “Reach” from 1 to 5"]
    sheet = judging.score(nomination, judge, {impact.id: 4, reach.id: 2}, comment="Strong", submit=True)
    assert sheet.submitted_at is not None and [s.value for s in sheet.scores] == [4, 2]
    with pytest.raises(AwardRuleBroken, match="already submitted"):
        judging.score(nomination, judge, {impact.id: 5, reach.id: 5}, submit=True)
    with pytest.raises(AwardRuleBroken, match="Judging is not open"):
        judging.score(nomination, judge, {impact.id: 5, reach.id: 5}, submit=True,
                      now=category.cycle.judging_closes_at)


def test_judges_see_others_scores_only_after_their_own_and_only_if_the_cycle_allows(ctx):
    category = CategoryFactory(cycle=judging_now())
    first, second = UserFactory(), UserFactory()
    on_panel(category, first, second)
    nomination = eligible(category)
    for judge in (first, second):
        judging.declare(nomination, judge, ConflictKind.NONE)
    judging.score(nomination, first, all_scores(category, 5), submit=True)
    assert judging.others_sheets(nomination, second) == []  # has not scored yet
    judging.score(nomination, second, all_scores(category, 3), submit=True)
    assert judging.others_sheets(nomination, second) == []  # the cycle says never
    category.cycle.show_other_scores = True
    assert [s.judge_id for s in judging.others_sheets(nomination, second)] == [first.id]


def test_results_come_from_submitted_weighted_scores(ctx):
    category = CategoryFactory(cycle=judging_now())  # weights: impact 2, reach 1
    impact, reach = category.criteria
    first, second = UserFactory(), UserFactory()
    on_panel(category, first, second)
    amira, grace = eligible(category, "Amira Hussain"), eligible(category, "Grace Okafor")
    for nomination in (amira, grace):
        for judge in (first, second):
            judging.declare(nomination, judge, ConflictKind.NONE)
    judging.score(amira, first, {impact.id: 5, reach.id: 2}, submit=True)   # (10 + 2) / 3 = 4
    judging.score(amira, second, {impact.id: 4, reach.id: 1}, submit=True)  # (8 + 1) / 3 = 3
    judging.score(grace, first, {impact.id: 2, reach.id: 2}, submit=True)   # 2
    judging.score(grace, second, {impact.id: 5, reach.id: 5}, submit=False)  # a draft does not count
    results, normalised = judging.results_for(category, judging.to_judge(category))
    assert not normalised  # the second judge has submitted only one (needs 2)
    assert [(r.nomination_id, r.rank, r.scores, r.raw) for r in results] == [(amira.id, 1, 2, 3.5),
                                                                             (grace.id, 2, 1, 2.0)]
    assert judging.progress_of(second, category, [amira, grace]) == {amira.id: "Submitted", grace.id: "Draft saved"}


def test_a_judge_taken_off_the_panel_stops_counting_and_the_panel_is_fixed_once_results_are_published(ctx):
    category = CategoryFactory(cycle=judging_now())
    impact, reach = category.criteria
    kept, removed = UserFactory(), UserFactory()
    on_panel(category, kept, removed)
    amira, grace = eligible(category, "Amira Hussain"), eligible(category, "Grace Okafor")
    for judge, (for_amira, for_grace) in ((kept, (5, 1)), (removed, (1, 5))):
        for nomination, value in ((amira, for_amira), (grace, for_grace)):
            judging.declare(nomination, judge, ConflictKind.NONE)
            judging.score(nomination, judge, {impact.id: value, reach.id: value}, submit=True)
    both, _ = judging.results_for(category, judging.to_judge(category))
    assert [(r.nomination_id, r.raw) for r in both] == [(amira.id, 3.0), (grace.id, 3.0)]
    seat = db.session.scalar(select(PanelMember).where(PanelMember.user_id == removed.id))
    judging.remove_judge(seat, actor=UserFactory())
    results, _ = judging.results_for(category, judging.to_judge(category))
    assert [(r.nomination_id, r.rank, r.raw) for r in results] == [(amira.id, 1, 5.0), (grace.id, 2, 1.0)]
    assert db.session.scalar(select(func.count()).select_from(ScoreSheet).where(
        ScoreSheet.judge_id == removed.id)) == 2  # kept on record
    category.cycle.results_published_at = category.cycle.judging_closes_at
    db.session.flush()
    with pytest.raises(AwardRuleBroken, match="results are published"):
        judging.remove_judge(db.session.scalar(select(PanelMember).where(PanelMember.user_id == kept.id)),
                             actor=UserFactory())


def test_grouped_nominations_are_judged_once_under_their_lead(ctx):
    category = CategoryFactory(cycle=judging_now())
    judge = UserFactory()
    on_panel(category, judge)
    lead, same = eligible(category, "Amira Hussain"), eligible(category, "Amira Hussain")
    judging.declare(same, judge, ConflictKind.NONE)
    judging.score(same, judge, all_scores(category, 5), submit=True)  # scored before anyone saw the twin
    screening.group_nominations(same, lead, actor=UserFactory())
    assert judging.to_judge(category) == [lead]
    judging.declare(lead, judge, ConflictKind.NONE)
    assert judging.may_see(lead, judge) and not judging.may_see(same, judge)
    results, _ = judging.results_for(category, judging.to_judge(category))
    assert [(r.nomination_id, r.scores) for r in results] == [(lead.id, 0)]  # the grouped one's sheet is out


def test_scores_are_not_normalised_while_an_appointed_judge_has_scored_nothing(ctx):
    """Issue 20: normalised scores were shown as final while a judge on the
    panel had not scored at all (only the judges who had scored counted)."""
    category = CategoryFactory(cycle=judging_now())  # normalised once every judge has scored 2
    first, second, late = UserFactory(), UserFactory(), UserFactory(name="Lee Late")
    conflicted = UserFactory(name="Con Flicted")
    on_panel(category, first, second, late, conflicted)
    judging.appoint_judge(category, "no.account.yet@example.org", actor=UserFactory())
    amira, grace = eligible(category, "Amira Hussain"), eligible(category, "Grace Okafor")
    for nomination in (amira, grace):
        judging.declare(nomination, conflicted, ConflictKind.FAMILY)  # off both: nothing they could score
        for n, judge in enumerate((first, second, late)):
            judging.declare(nomination, judge, ConflictKind.NONE)
            if judge is not late:
                judging.score(nomination, judge, all_scores(category, 5 if nomination is amira else 1 + n),
                              submit=True)
    nominations = judging.to_judge(category)
    results, normalised = judging.results_for(category, nominations)
    assert not normalised and all(r.normalised is None for r in results)
    assert judging.yet_to_score(category, nominations) == judging.YetToScore(names=["Lee Late"], without_account=1)
    for nomination in (amira, grace):
        judging.score(nomination, late, all_scores(category, 3), submit=True)
    assert judging.yet_to_score(category, nominations) == judging.YetToScore(names=[], without_account=1)
    _, normalised = judging.results_for(category, nominations)
    assert not normalised  # the appointment not yet taken up is a judge who has scored nothing too
    db.session.delete(db.session.scalar(select(PanelMember).where(PanelMember.user_id.is_(None))))
    db.session.flush()
    results, normalised = judging.results_for(category, nominations)
    assert normalised and all(r.normalised is not None for r in results)
    assert not judging.yet_to_score(category, nominations)
