"""The nomination lifecycle (awards/lifecycle.py, docs/lifecycles/nomination.md)
as a state machine: random interleavings of everything people do to
nominations, through the services, the same action twice included: save a
draft (with and without answers), save it again, send it, a guest's
nomination and its confirmation, withdraw, screen, judges declaring
conflicts and scoring, decide, publish the shortlist and the winners,
reopen them, and time passing from stage to stage.

After every step: no service let anything but a DomainError escape (a
unique constraint reached from a service fails the test); every
nomination is in a documented state, and one that changed state did so by
a documented transition made by that service; winners are never published
in a category without scores; and the outcome emails each nominator has
had match where their nomination ended."""
from datetime import timedelta
from pathlib import Path
import re

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule, \
    run_state_machine_as_test
from sqlalchemy import select

from awards import decisions, judging, nominating, screening
from awards.lifecycle import TRANSITIONS, NominationState, state_of
from awards.models import (
    ON_SHORTLIST, AwardCategory, AwardCycle, ConflictKind, Nomination, NominationStatus, Outcome,
)
from awards.nominating import NominationDetails
from core.database import utcnow, write_lock
from core.errors import DomainError
from core.extensions import db
from core.models import OutboxMessage
from core.accounts.models import User
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.factories import UserFactory
from tests.machines import ServiceMachine, examples

# Where now falls in the cycle: each step of time moves the cycle's dates on one stage.
STAGES = ["nominating", "screening", "judging", "deciding", "announced"]
NOMINATORS = 3  # two members and a guest
GUEST, GUEST_EMAIL = 2, "guest.nominator@example.org"
CATEGORIES = 2  # each with one judge, who may declare a conflict on everything in it
OUTCOME_SUBJECTS = ("Shortlisted", "Shortlist announced", "Winners announced", "Winner", "Highly commended")


def dates_for(stage: str) -> dict:
    days = {"nominating": (-10, 10, 11, 20, 25), "screening": (-20, -1, 5, 15, 20),
            "judging": (-40, -20, -5, 10, 15), "deciding": (-60, -40, -30, -1, 5),
            "announced": (-90, -60, -50, -20, -1)}[stage]
    now = utcnow()
    return dict(zip(("nominations_open_at", "nominations_close_at", "judging_opens_at", "judging_closes_at",
                     "announce_at"), (now + timedelta(days=d) for d in days)))


class NominationLifecycle(ServiceMachine):

    def __init__(self, app):
        super().__init__(app)
        self.stage = 0
        self.published_once = False  # a shortlist or results published: only then may anyone be told

    @initialize(head_start=st.booleans())
    def a_cycle_open_for_nominations(self, head_start):
        """Half the examples start with each member's nomination sent and
        screened eligible (through the services), so that they soon reach
        judging, deciding and publishing."""
        with write_lock(every_transaction=True):
            cycle = CycleFactory(**dates_for("nominating"))
            categories = [CategoryFactory(cycle=cycle, name=name) for name in ("Unsung Hero", "Young Star")]
            self.admin = UserFactory(roles=["awards_administrator"])
            self.members = [UserFactory(), UserFactory()]
            self.judges = [UserFactory(), UserFactory()]
            for category, judge in zip(categories, self.judges):
                judging.appoint_judge(category, judge.email, actor=self.admin)
            db.session.commit()
        self.cycle_id, self.category_ids = cycle.id, [c.id for c in categories]
        if head_start:
            for n in range(GUEST):
                self.send(n, c=n)
                self.screen(n, eligible=True)

    # --- how each step runs: as a view does, one transaction, a refusal rolled back ---------------

    def _act(self, service: str, action) -> None:
        db.session.rollback()  # end the invariants' reads, so the next transaction takes the lock
        with write_lock():
            before = self._states()
            try:
                action()
            except DomainError:
                db.session.rollback()
            else:
                db.session.commit()
        after = self._states()
        for nomination_id, state in after.items():
            was = before.get(nomination_id)
            if state != was:
                assert (was, state) in TRANSITIONS, f"{service} took a nomination from {was} to {state}"
                assert service in TRANSITIONS[(was, state)], f"{service} made {was} -> {state}"
        assert before.keys() <= after.keys(), "a nomination vanished"

    def _states(self) -> dict[int, NominationState | None]:
        cycle = db.session.get(AwardCycle, self.cycle_id)
        decided = decisions.decisions_in(cycle)
        return {n.id: state_of(n, decided.get(n.id), cycle) for n in db.session.scalars(select(Nomination))}

    def _category(self, c) -> AwardCategory:
        return db.session.get(AwardCategory, self.category_ids[c])

    def _nominator(self, n) -> User | None:
        return None if n == GUEST else db.session.get(User, self.members[n].id)

    def _latest(self, n) -> Nomination | None:
        email = GUEST_EMAIL if n == GUEST else self.members[n].email
        return db.session.scalars(select(Nomination).where(Nomination.nominator_email == email)
                                  .order_by(Nomination.id.desc())).first()

    def _details(self, n, category, *, complete: bool, answers: bool) -> NominationDetails:
        first, second = category.questions
        words = {first.id: f"Nominator {n} says they run a club.", second.id: "Neighbours now meet."}
        return NominationDetails(
            nominator_name="Gus Guest" if n == GUEST else "", nominator_email=GUEST_EMAIL if n == GUEST else "",
            relationship="Neighbour", nominee_name=f"Nominee {n}", nominee_area="Corby",
            answers=words if answers or complete else {},
            nominee_knows=True if complete else None, data_consent=complete)

    # --- nominating ------------------------------------------------------------------------------

    @precondition(lambda self: self.stage <= 1)
    @rule(n=st.integers(0, GUEST - 1), c=st.integers(0, CATEGORIES - 1), answers=st.booleans())
    def save_draft(self, n, c, answers):
        """A new draft, or the member's draft saved again."""
        def act():
            draft = self._latest(n)
            draft = draft if draft is not None and draft.status == NominationStatus.DRAFT else None
            category = draft.category if draft else self._category(c)
            nominating.nominate(category, self._details(n, category, complete=False, answers=answers),
                                user=self._nominator(n), submit=False, nomination=draft)
        self._act("nominate", act)

    @precondition(lambda self: self.stage <= 1)
    @rule(n=st.integers(0, NOMINATORS - 1), c=st.integers(0, CATEGORIES - 1))
    def send(self, n, c):
        """A member sends their draft (or a new nomination); a guest sends one to confirm by email."""
        def act():
            draft = self._latest(n)
            draft = draft if draft is not None and draft.status == NominationStatus.DRAFT else None
            category = draft.category if draft else self._category(c)
            nominating.nominate(category, self._details(n, category, complete=True, answers=True),
                                user=self._nominator(n), submit=True, nomination=draft)
        self._act("nominate", act)

    @precondition(lambda self: self.stage <= 1)
    @rule()
    def guest_confirms(self):
        def act():
            nomination = self._latest(GUEST)
            if nomination is not None:
                nominating.confirm_nomination(nomination)
        self._act("confirm_nomination", act)

    @precondition(lambda self: self.stage <= 1)
    @rule(n=st.integers(0, NOMINATORS - 1))
    def withdraw(self, n):
        def act():
            nomination = self._latest(n)
            if nomination is not None:
                nominating.withdraw_nomination(nomination, actor=self._nominator(n))
        self._act("withdraw_nomination", act)

    # --- screening and judging --------------------------------------------------------------------

    @precondition(lambda self: self.stage <= 3)
    @rule(n=st.integers(0, NOMINATORS - 1), eligible=st.booleans())
    def screen(self, n, eligible):
        def act():
            nomination = self._latest(n)
            if nomination is None:
                return
            if eligible:
                screening.mark_eligible(nomination, actor=self.admin)
            else:
                screening.mark_ineligible(nomination, reason="Lives outside the county", actor=self.admin)
        self._act("mark_eligible" if eligible else "mark_ineligible", act)

    @precondition(lambda self: 2 <= self.stage <= 3)
    @rule(j=st.integers(0, CATEGORIES - 1), n=st.integers(0, NOMINATORS - 1), conflict=st.booleans())
    def declare(self, j, n, conflict):
        def act():
            nomination = self._latest(n)
            if nomination is not None:
                judging.declare(nomination, db.session.get(User, self.judges[j].id),
                                ConflictKind.FAMILY if conflict else ConflictKind.NONE)
        self._act("declare", act)

    @precondition(lambda self: 2 <= self.stage <= 3)
    @rule(j=st.integers(0, CATEGORIES - 1), n=st.integers(0, NOMINATORS - 1), value=st.integers(1, 5),
          final=st.booleans())
    def score(self, j, n, value, final):
        """Scores saved as a draft, or as the judge submits them: saved, then confirmed."""
        def act():
            nomination, judge = self._latest(n), db.session.get(User, self.judges[j].id)
            if nomination is None:
                return
            values = {criterion.id: value for criterion in nomination.category.criteria}
            judging.score(nomination, judge, values, submit=False, for_submission=final)
            if final:
                judging.submit_scores(nomination, judge)
        self._act("score", act)

    # --- deciding and publishing ------------------------------------------------------------------

    @precondition(lambda self: self.stage >= 1)
    @rule(n=st.integers(0, NOMINATORS - 1), outcome=st.sampled_from(Outcome))
    def decide(self, n, outcome):
        def act():
            nomination = self._latest(n)
            if nomination is not None:
                decisions.decide(nomination, outcome, rationale="The panel's reasons", actor=self.admin)
        self._act("decide", act)

    @precondition(lambda self: self.stage >= 3)
    @rule()
    def publish_shortlist(self):
        self._act("publish_shortlist", lambda: decisions.publish_shortlist(
            db.session.get(AwardCycle, self.cycle_id), actor=self.admin))

    @precondition(lambda self: self.stage >= 4)
    @rule()
    def publish_results(self):
        self._act("publish_results", lambda: decisions.publish_results(
            db.session.get(AwardCycle, self.cycle_id), actor=self.admin))

    @precondition(lambda self: self.stage >= 4)
    @rule()
    def reopen_results(self):
        self._act("reopen_results", lambda: decisions.reopen_results(
            db.session.get(AwardCycle, self.cycle_id), reason="A conflict came to light", actor=self.admin))

    @precondition(lambda self: self.stage < len(STAGES) - 1)
    @rule()
    def time_passes(self):
        """The one change not made through a service: the cycle's dates move
        so that now falls in its next stage."""
        self.stage += 1
        db.session.rollback()
        with write_lock():
            cycle = db.session.get(AwardCycle, self.cycle_id)
            for name, value in dates_for(STAGES[self.stage]).items():
                setattr(cycle, name, value)
            db.session.commit()

    # --- after every step -------------------------------------------------------------------------

    @invariant()
    def every_nomination_is_in_a_documented_state(self):
        for nomination_id, state in self._states().items():
            assert state is not None, f"nomination {nomination_id} is in no documented state"

    @invariant()
    def winners_are_never_published_in_a_category_without_scores(self):
        cycle = db.session.get(AwardCycle, self.cycle_id)
        if cycle.results_published_at is None:
            return
        for decision in decisions.decisions_in(cycle).values():
            if decision.outcome in (Outcome.WINNER, Outcome.HIGHLY_COMMENDED):
                assert judging.has_scores(decision.nomination.category), decision.nomination.category.name

    @invariant()
    def outcome_emails_match_where_each_nomination_ended(self):
        cycle = db.session.get(AwardCycle, self.cycle_id)
        self.published_once = self.published_once or bool(cycle.shortlist_published_at or cycle.results_published_at)
        decided = decisions.decisions_in(cycle)
        for n in range(NOMINATORS):
            email = GUEST_EMAIL if n == GUEST else self.members[n].email
            subjects = db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.recipient == email)
                                          .order_by(OutboxMessage.id)).all()
            for category in cycle.categories:
                told = [subject.rsplit(": ", 1)[0] for subject in subjects
                        if subject.endswith(f": {category.name}") and subject.rsplit(": ", 1)[0] in OUTCOME_SUBJECTS]
                decision = next((d for d in decided.values() if d.nomination.nominator_email == email
                                 and d.nomination.category_id == category.id), None)
                if decision is None or not self.published_once:
                    assert told == [], f"{email} was told {told} of no published decision"
                    continue
                on_shortlist = decision.outcome in ON_SHORTLIST
                if cycle.shortlist_published_at is not None:
                    about_shortlist = [t for t in told if t in ("Shortlisted", "Shortlist announced")]
                    assert about_shortlist and about_shortlist[-1] == (
                        "Shortlisted" if on_shortlist else "Shortlist announced"), (email, told, decision.outcome)
                if cycle.results_published_at is not None:
                    assert told and told[-1] == FINAL_SUBJECT[decision.outcome], (email, told, decision.outcome)


FINAL_SUBJECT = {Outcome.WINNER: "Winner", Outcome.HIGHLY_COMMENDED: "Highly commended",
                 Outcome.SHORTLISTED: "Winners announced", Outcome.NOT_SHORTLISTED: "Shortlist announced"}


def test_nomination_lifecycle_through_the_services(app):
    run_state_machine_as_test(lambda: NominationLifecycle(app), settings=settings(
        max_examples=examples(app, 25), stateful_step_count=50, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))


def test_the_documented_diagram_is_the_lifecycle_the_code_has():
    """docs/lifecycles/nomination.md draws exactly the transitions awards/lifecycle.py allows."""
    doc = (Path(__file__).parents[2] / "docs" / "lifecycles" / "nomination.md").read_text()
    drawn = set()
    for start, end, services_named in re.findall(r"^\s*(\[\*\]|\w+) --> (\w+) *: *(.+)$", doc, re.MULTILINE):
        for service in re.split(r",\s*", services_named.strip()):
            drawn.add((None if start == "[*]" else NominationState(start), NominationState(end), service))
    allowed = {(was, state, service) for (was, state), named in TRANSITIONS.items() for service in named}
    assert drawn == allowed
