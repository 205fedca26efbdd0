"""Judges' scores (docs/lifecycles/scores.md) as a state machine: random
interleavings, through the services, of judges declaring a connection (or
none), saving drafts (some criteria left out, some out of range), submitting
(saved for submission, then confirmed), submitting twice, two judges
submitting in one transaction, the awards team recording a conflict after a
judge has scored, a seat appointed by email taken up later, judging closing,
and the awards team deciding, publishing and reopening results.

After every step:
- no service let anything but a DomainError escape (a unique constraint
  reached from a service fails the test);
- a submitted score never changes: its values, comment and time stay as
  submitted, unless a conflict recorded since took the judge off that
  nomination (then the sheet is gone);
- a conflicted judge's score never counts: no sheet of theirs is kept, and
  each nomination's results count exactly the non-conflicted judges'
  submitted sheets;
- normalised results only when every appointed judge not conflicted on
  every nomination (a seat not yet taken up included) has submitted at least
  the cycle's `normalise_after` sheets (issue 20, item 9), and always then;
- what each judge's page and progress list say equals what is stored;
- published winners keep scores behind them (a conflict recorded after
  publishing would have removed them).

With the item 9 rule undone (`judging.results_for` given no expected
judges) it finds a judge's two sheets normalised while another judge has
submitted none.
"""
from datetime import timedelta
import re

from flask_login import login_user
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule, \
    run_state_machine_as_test
from sqlalchemy import select

from awards import decisions, judging
from awards.models import (
    AwardCategory, AwardCycle, ConflictDeclaration, ConflictKind, Nomination, NominationStatus, NomineeKind, Outcome,
    ScoreSheet,
)
from core.database import utcnow, write_lock
from core.extensions import db
from core.accounts.models import User
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.factories import UserFactory
from tests.machines import ServiceMachine, examples

STAGES = ["judging", "deciding", "announced"]
NOMINATIONS = 3
JUDGES = 3  # the last may be a seat appointed by email, taken up by an account later
NEWCOMER_EMAIL = "newcomer.judge@example.org"
NORMALISE_AFTER = 2
values_strategy = st.lists(st.one_of(st.none(), st.integers(0, 6)), min_size=2, max_size=2)


def dates_for(stage: str) -> dict:
    days = {"judging": (-40, -20, -5, 10, 15), "deciding": (-60, -40, -30, -1, 5),
            "announced": (-90, -60, -50, -20, -1)}[stage]
    now = utcnow()
    return dict(zip(("nominations_open_at", "nominations_close_at", "judging_opens_at", "judging_closes_at",
                     "announce_at"), (now + timedelta(days=d) for d in days)))


class ScoresLifecycle(ServiceMachine):

    def __init__(self, app):
        super().__init__(app)
        self.stage = 0
        self.submitted: dict[tuple[int, int], tuple] = {}  # (nomination, judge): the sheet as it was submitted
        self.pages_drawn: dict[tuple[int, int], tuple] = {}  # (nomination, judge): what the page last drawn showed

    @initialize(seat_untaken=st.booleans())
    def a_category_being_judged(self, seat_untaken):
        with write_lock(every_transaction=True):
            cycle = CycleFactory(normalise_after=NORMALISE_AFTER, **dates_for("judging"))
            category = CategoryFactory(cycle=cycle, name="Unsung Hero")
            self.admin = UserFactory(roles=["awards_administrator"])
            judges = [UserFactory() for _ in range(JUDGES - 1 if seat_untaken else JUDGES)]
            for judge in judges:
                judging.appoint_judge(category, judge.email, actor=self.admin)
            if seat_untaken:
                judging.appoint_judge(category, NEWCOMER_EMAIL, actor=self.admin)
            nominations = [Nomination(category=category, status=NominationStatus.ELIGIBLE, nominator_name="Pat",
                                      nominator_email=f"pat{n}@example.org", relationship_to_nominee="Neighbour",
                                      nominee_name=f"Nominee {n}", nominee_kind=NomineeKind.INDIVIDUAL,
                                      nominee_area="Corby") for n in range(NOMINATIONS)]
            db.session.add_all(nominations)
            db.session.commit()
        self.cycle_id, self.category_id = cycle.id, category.id
        self.judge_ids: list[int | None] = [judge.id for judge in judges] + ([None] if seat_untaken else [])
        self.nomination_ids = [n.id for n in nominations]

    # --- how each step runs: as a view does, one transaction, a refusal rolled back ---------------

    def _category(self) -> AwardCategory:
        return db.session.get(AwardCategory, self.category_id)

    def _nomination(self, n) -> Nomination:
        return db.session.get(Nomination, self.nomination_ids[n])

    def _judge(self, j) -> User | None:
        return db.session.get(User, self.judge_ids[j]) if self.judge_ids[j] is not None else None

    def _values(self, raw) -> dict[int, int | None]:
        return {criterion.id: value for criterion, value in zip(self._category().criteria, raw)}

    # --- judges -------------------------------------------------------------------------------------

    @rule(j=st.integers(0, JUDGES - 1), n=st.integers(0, NOMINATIONS - 1), conflict=st.booleans())
    def declare(self, j, n, conflict):
        judge = self._judge(j)
        if judge is not None:
            self.act(lambda: judging.declare(self._nomination(n), judge,
                                              ConflictKind.FAMILY if conflict else ConflictKind.NONE))

    @rule(j=st.integers(0, JUDGES - 1), n=st.integers(0, NOMINATIONS - 1), raw=values_strategy,
          comment=st.sampled_from(["", "  Strong local support  "]))
    def save_draft(self, j, n, raw, comment):
        judge = self._judge(j)
        if judge is not None:
            self.act(lambda: judging.score(self._nomination(n), judge, self._values(raw), comment=comment,
                                            submit=False))

    @rule(j=st.integers(0, JUDGES - 1), n=st.integers(0, NOMINATIONS - 1),
          raw=st.lists(st.integers(1, 5), min_size=2, max_size=2))
    def submit(self, j, n, raw):
        """As the pages do it: a judge who has not yet said so says they have
        no connection (the page asks first), "Submit scores" saves the draft
        for submission, then the confirmation page's button submits it (one
        request each)."""
        judge = self._judge(j)
        if judge is None:
            return
        if judging.declaration_of(self._nomination(n), judge) is None:
            self.act(lambda: judging.declare(self._nomination(n), judge, ConflictKind.NONE))
        if self.act(lambda: judging.score(self._nomination(n), judge, self._values(raw), submit=False,
                                           for_submission=True)):
            self.act(lambda: judging.submit_scores(self._nomination(n), judge))

    @rule(j=st.integers(0, JUDGES - 1), n=st.integers(0, NOMINATIONS - 1))
    def submit_twice(self, j, n):
        """The confirmation page's button pressed again (or the page kept in another tab)."""
        judge = self._judge(j)
        if judge is not None:
            for _ in range(2):
                self.act(lambda: judging.submit_scores(self._nomination(n), judge))

    @rule(n=st.integers(0, NOMINATIONS - 1), value=st.integers(1, 5))
    def two_judges_at_once(self, n, value):
        """Every judge saves and submits the same nomination in one transaction:
        new sheets for one nomination flushed together."""
        judges = [judge for judge in map(self._judge, range(JUDGES)) if judge is not None]
        scores = {criterion.id: value for criterion in self._category().criteria}
        self.act(*[lambda judge=judge: judging.score(self._nomination(n), judge, scores, submit=True)
                    for judge in judges])

    @precondition(lambda self: None in self.judge_ids)
    @rule()
    def newcomer_takes_up_the_seat(self):
        """The judge appointed by email makes an account with that address and confirms it."""
        db.session.rollback()
        with write_lock():
            newcomer = UserFactory(email=NEWCOMER_EMAIL)
            judging.claim_appointments(newcomer)
            db.session.commit()
        self.judge_ids[self.judge_ids.index(None)] = newcomer.id

    # --- the awards team ----------------------------------------------------------------------------

    @rule(j=st.integers(0, JUDGES - 1), n=st.integers(0, NOMINATIONS - 1))
    def record_conflict(self, j, n):
        """A connection the judge did not declare comes to light, perhaps after they scored."""
        judge = self._judge(j)
        if judge is not None:
            self.act(lambda: judging.declare(self._nomination(n), judge, ConflictKind.EMPLOYMENT,
                                              recorded_by=db.session.get(User, self.admin.id)))

    @precondition(lambda self: self.stage >= 1)
    @rule(n=st.integers(0, NOMINATIONS - 1), outcome=st.sampled_from(Outcome))
    def decide(self, n, outcome):
        self.act(lambda: decisions.decide(self._nomination(n), outcome, rationale="The panel's reasons",
                                           actor=db.session.get(User, self.admin.id)))

    @precondition(lambda self: self.stage >= 1)
    @rule()
    def publish_shortlist(self):
        self.act(lambda: decisions.publish_shortlist(db.session.get(AwardCycle, self.cycle_id),
                                                      actor=db.session.get(User, self.admin.id)))

    @precondition(lambda self: self.stage >= 2)
    @rule(reopen=st.booleans())
    def publish_or_reopen_results(self, reopen):
        cycle, admin = db.session.get(AwardCycle, self.cycle_id), db.session.get(User, self.admin.id)
        self.act(lambda: decisions.reopen_results(cycle, reason="A conflict came to light", actor=admin)
                  if reopen else decisions.publish_results(cycle, actor=admin))

    @precondition(lambda self: self.stage < len(STAGES) - 1)
    @rule()
    def time_passes(self):
        """Not a service: the cycle's dates move so that judging closes, then results are due."""
        self.stage += 1
        db.session.rollback()
        with write_lock():
            cycle = db.session.get(AwardCycle, self.cycle_id)
            for name, value in dates_for(STAGES[self.stage]).items():
                setattr(cycle, name, value)
            db.session.commit()

    # --- after every step ---------------------------------------------------------------------------

    @invariant()
    def scores_hold(self):
        """The checks the module's docstring lists, on one fresh read of what is stored."""
        db.session.rollback()
        category = self._category()
        nominations = judging.to_judge(category)
        sheets = {(s.nomination_id, s.judge_id): s for s in db.session.scalars(select(ScoreSheet))}
        declared = {(d.nomination_id, d.judge_id): d for d in db.session.scalars(select(ConflictDeclaration))}
        conflicts = {key for key, d in declared.items() if d.is_conflict}
        self._a_submitted_score_never_changes(sheets, conflicts)
        results, normalised = judging.results_for(category, nominations)
        self._a_conflicted_judges_score_never_counts(results, sheets, conflicts)
        self._normalised_only_once_every_expected_judge_has_scored_enough(category, nominations, normalised, sheets,
                                                                          conflicts)
        self._what_each_judge_is_shown_is_what_is_stored(category, nominations, sheets, declared)
        cycle = db.session.get(AwardCycle, self.cycle_id)
        if cycle.results_published_at is not None:
            for decision in decisions.decisions_in(cycle).values():
                if decision.outcome in (Outcome.WINNER, Outcome.HIGHLY_COMMENDED):
                    assert judging.has_scores(category), "published winners in a category with no scores left"
        db.session.rollback()

    def _a_submitted_score_never_changes(self, sheets, conflicts):
        for key, was in self.submitted.items():
            sheet = sheets.get(key)
            if sheet is None:
                assert key in conflicts, f"a submitted sheet {key} vanished without a conflict"
            else:
                assert _as_submitted(sheet) == was, f"submitted sheet {key} changed: {was} -> {_as_submitted(sheet)}"
        for key, sheet in sheets.items():
            if sheet.submitted_at is not None and key not in self.submitted:
                self.submitted[key] = _as_submitted(sheet)

    def _a_conflicted_judges_score_never_counts(self, results, sheets, conflicts):
        assert not conflicts & sheets.keys(), "a conflicted judge's sheet is kept"
        for result in results:
            counted = [judge for (nomination, judge), sheet in sheets.items()
                       if nomination == result.nomination_id and sheet.submitted_at and sheet.scores
                       and (nomination, judge) not in conflicts]
            assert result.scores == len(counted), (result, counted)

    def _normalised_only_once_every_expected_judge_has_scored_enough(self, category, nominations, normalised, sheets,
                                                                     conflicts):
        ids = [n.id for n in nominations]
        expected = [member.user_id for member in judging.panel_of(category)
                    if member.user_id is None or sum((n, member.user_id) in conflicts for n in ids) < len(ids)]
        submitted_by = {judge: sum(1 for (n, j), s in sheets.items() if j == judge and n in ids and s.submitted_at
                                   and s.scores) for judge in expected if judge is not None}
        enough = bool(expected) and None not in expected and all(
            count >= NORMALISE_AFTER for count in submitted_by.values())
        assert normalised == enough, f"normalised={normalised}, submitted by each expected judge: {submitted_by}, " \
                                     f"a seat not taken up: {None in expected}"

    def _what_each_judge_is_shown_is_what_is_stored(self, category, nominations, sheets, declared):
        from awards.views.judges import _judging_page
        for judge in filter(None, map(self._judge, range(JUDGES))):
            progress = judging.progress_of(judge, category, nominations)
            for nomination in nominations:
                key = (nomination.id, judge.id)
                declaration, sheet = declared.get(key), sheets.get(key)
                expected = ("Declare any conflict" if declaration is None
                            else "Conflict: not yours to judge" if declaration.is_conflict
                            else "To score" if sheet is None
                            else "Submitted" if sheet.submitted_at else "Draft saved")
                assert progress[nomination.id] == expected, (key, progress[nomination.id], expected)
                # Drawing a page is slow: draw each again only when what it shows has changed.
                snapshot = (self.stage, declaration and declaration.kind, sheet and _as_submitted(sheet))
                if self.pages_drawn.get(key) == snapshot:
                    continue
                with self.app.test_request_context():
                    login_user(judge)
                    page, _ = _judging_page(nomination)
                _check_page(page, category, declaration, sheet, key)
                self.pages_drawn[key] = snapshot


def _as_submitted(sheet: ScoreSheet) -> tuple:
    return sheet.submitted_at, sheet.comment, sorted((s.criterion_id, s.value) for s in sheet.scores)


def _check_page(page: str, category: AwardCategory, declaration, sheet, key) -> None:
    if declaration is None or declaration.is_conflict:
        assert "Your scores" not in page and 'name="criterion_' not in page, key
        return
    if sheet is not None and sheet.submitted_at is not None:
        shown = re.findall(r'summary-list__key">([^<]+)</dt><dd class="govuk-summary-list__value">(\d+) out of', page)
        assert shown == [(c.name, str(sheet.score_for(c.id))) for c in category.criteria], (key, shown)
        assert 'name="criterion_' not in page, f"{key}: submitted scores offered for change"
        return
    if 'name="criterion_' not in page:  # judging closed: nothing to change
        assert "Judging is not open" in page, key
        return
    checked = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="criterion_(\d+)"', tag)
        if name and re.search(r"\bchecked\b", tag):
            checked[int(name.group(1))] = int(re.search(r'value="(\d+)"', tag).group(1))
    stored = {s.criterion_id: s.value for s in sheet.scores} if sheet is not None else {}
    assert checked == stored, f"{key}: the form shows {checked}, the draft holds {stored}"


def test_judges_scores_through_the_services(app):
    run_state_machine_as_test(lambda: ScoresLifecycle(app), settings=settings(
        max_examples=examples(app, 12), stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
