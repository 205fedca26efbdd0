"""A forum membership's lifecycle (docs/lifecycles/membership.md) as a
hypothesis state machine: random interleavings of applying, invitations (and
their link used twice), approving, declining, a parent or carer's consent
link (used twice, withdrawn), suspending, reinstating, removing, withdrawing
and applying again, a forum closed to applications, and coordinators' seats
granted and revoked, on a youth forum and on an interfaith forum that seats
one member per faith community (so that two people want the one seat), all
through the services as the views call them.

After every step: one membership per person per forum; no faith community
over its seats; a young member is never active without a parent or carer's
consent; no unique constraint escapes a service (only DomainError is
caught); the forum page says what the person holds; the last email the
person got from a decision about them matches what they hold now; and no
invitation sent before a decline is left to undo it."""
import os
from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from core.database import write_lock
from core.extensions import db
from core.models import OutboxMessage
from core.accounts.models import User
from forums.services import applying, consent, coordinators, invitations, memberships, safeguarding
from forums.models import (
    Faith, Forum, ForumCoordinator, ForumInvitation, ForumKind, LIVE_STATUSES, Membership, MembershipStatus,
)
from tests.conftest import sign_in
from tests.factories import PASSWORD, UserFactory
from tests.forums.factories import ForumFactory
from tests.machines import ServiceMachine

PEOPLE = 3  # person 0 is 15 (a parent or carer must agree on the youth forum), 1 and 2 are adults
FORUMS = 2  # 0: a youth forum; 1: an interfaith forum with one seat per faith community
COORDINATORS = 2
forums = st.integers(0, FORUMS - 1)
# (forum, person): the young person on the youth forum, two adults wanting one interfaith seat.
pairs = st.sampled_from([(0, 0), (1, 1), (1, 2)])

# What the last email about a decision says, and what the person may hold while it is the last word.
TOLD = [
    ("Your membership starts as soon as your parent or carer agrees", {MembershipStatus.AWAITING_CONSENT,
                                                                        MembershipStatus.ACTIVE}),
    ("The coordinators have approved your application, and you are now", {MembershipStatus.ACTIVE}),
    ("have not been able to accept your application", {MembershipStatus.DECLINED}),
    ("is paused", {MembershipStatus.SUSPENDED}),
    ("have paused your membership", {MembershipStatus.SUSPENDED}),
    ("have ended your membership", {MembershipStatus.REMOVED}),
    ("you are a member again", {MembershipStatus.ACTIVE}),
]
LIVE_LABELS = [status.label for status in LIVE_STATUSES]


def told(body: str) -> set[MembershipStatus]:
    for words, statuses in TOLD:
        if words in body:
            return statuses
    raise AssertionError(f"an email the machine cannot read:\n{body}")


class MembershipLifecycle(ServiceMachine):

    def __init__(self, app):
        super().__init__(app)
        self.browsers = {}
        self.touched: tuple[int, int] | None = None
        # The last outbox message before each person's own latest step (applying, withdrawing): what
        # they did themselves needs no email, so only decisions made after it are checked.
        self.own_step: dict[tuple[int, int], int] = {}
        # Declined, and not invited again since: no earlier invitation may be left to follow.
        self.declined_since_invited: set[tuple[int, int]] = set()

    @initialize()
    def two_forums_and_their_people(self):
        with write_lock():
            youth = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
            interfaith = ForumFactory(kind=ForumKind.INTERFAITH, faith_cap=1)
            self.forum_ids = [youth.id, interfaith.id]
            self.people = [UserFactory() for _ in range(PEOPLE)]
            self.coordinators = [UserFactory() for _ in range(COORDINATORS)]
            db.session.add(ForumCoordinator(forum_id=youth.id, user_id=self.coordinators[0].id))
            db.session.add(ForumCoordinator(forum_id=interfaith.id, user_id=self.coordinators[0].id))
            self.born = [date.today() - timedelta(days=(15 if n == 0 else 21) * 366) for n in range(PEOPLE)]
            self.emails = [person.email for person in self.people]
            self.person_ids = [person.id for person in self.people]
            self.coordinator_ids = [person.id for person in self.coordinators]
            db.session.commit()
        self.consent_links: dict[int, str] = {}  # person on the youth forum: the token a parent was sent
        # Start part-way, so that each example soon reaches the later states: the young person (with their
        # parent's consent) is a member of the youth forum; one adult has the interfaith
        # forum's one seat for their faith community and the other has applied for it.
        for pair in ((0, 0), (1, 1), (1, 2)):
            self.apply(pair)
        self.parent_follows_the_link(0)
        self.parent_consents(0)
        for pair in ((0, 0), (1, 1)):
            self.approve(pair)

    # --- how a view calls a service --------------------------------------------------------

    def _act(self, action, *, touched=None) -> bool:
        self.touched = touched
        return self.act(action)

    def _forum(self, f) -> Forum:
        return db.session.get(Forum, self.forum_ids[f])

    def _membership(self, f, n) -> Membership | None:
        return db.session.scalar(select(Membership).where(Membership.forum_id == self.forum_ids[f],
                                                          Membership.user_id == self.person_ids[n]))

    def _decide(self, f, n, decision) -> bool:
        """True when there was a membership to decide on and the decision was taken."""
        decided = []
        def act():
            membership = self._membership(f, n)
            if membership is not None:
                decision(membership)
                decided.append(True)
        return self._act(act, touched=(f, n)) and bool(decided)

    def _last_outbox_id(self) -> int:
        return db.session.scalar(select(func.max(OutboxMessage.id))) or 0

    def _own(self, f, n, action):
        db.session.rollback()
        before = self._last_outbox_id()
        if self._act(action, touched=(f, n)):
            self.own_step[f, n] = before

    def _application(self, n) -> applying.Application:
        return applying.Application(reason="To help", faith=Faith.CHRISTIAN, date_of_birth=self.born[n],
                                    parent_name="A parent", parent_email=f"parent{n}@example.org")

    # --- the person ------------------------------------------------------------------------

    @rule(p=pairs)
    def apply(self, p):
        f, n = p
        self._own(f, n, lambda: applying.apply(self._forum(f), db.session.get(User, self.person_ids[n]),
                                               self._application(n)))

    @rule(p=pairs)
    def accept_invitation(self, p):
        """The invitation's link: followed once, or again after it was used."""
        f, n = p
        def act():
            invitation = db.session.scalar(select(ForumInvitation).where(
                ForumInvitation.forum_id == self.forum_ids[f], ForumInvitation.email == self.emails[n]))
            if invitation is not None:
                applying.apply(self._forum(f), db.session.get(User, self.person_ids[n]), self._application(n),
                               invitation=invitation)
        self._own(f, n, act)

    @rule(p=pairs)
    def withdraw_application(self, p):
        f, n = p
        self._own(f, n, lambda: (m := self._membership(f, n)) and applying.withdraw_application(
            m, actor=db.session.get(User, self.person_ids[n])))

    # --- a parent or carer, through the emailed link --------------------------------------------

    @rule(n=st.just(0))  # the young person: only their parent or carer is asked
    def parent_follows_the_link(self, n):
        """A consent link as emailed (kept, so that it can be used twice)."""
        def act():
            membership = self._membership(0, n)
            if membership is not None and membership.parent_email:
                self.consent_links.setdefault(n, consent.consent_link(membership).rsplit("/", 1)[1])
        self._act(act)

    @rule(n=st.just(0))  # the young person: only their parent or carer is asked
    def parent_consents(self, n):
        if n in self.consent_links:
            self._act(lambda: consent.give_consent(consent.membership_for_consent(self.consent_links[n]),
                                                   photo_consent=False), touched=(0, n))

    @rule(n=st.just(0))  # the young person: only their parent or carer is asked
    def parent_withdraws_consent(self, n):
        if n in self.consent_links:
            self._act(lambda: consent.withdraw_consent(consent.membership_for_consent(self.consent_links[n])),
                      touched=(0, n))

    # --- the coordinators ------------------------------------------------------------------

    def _coordinator(self, c=0) -> User:
        return db.session.get(User, self.coordinator_ids[c])

    @rule(p=pairs)
    def invite(self, p):
        f, n = p
        if self._act(lambda: invitations.invite(self._forum(f), self.emails[n], actor=self._coordinator())):
            self.declined_since_invited.discard((f, n))

    @rule(p=pairs)
    def approve(self, p):
        f, n = p
        self._decide(f, n, lambda m: memberships.approve(m, actor=self._coordinator()))

    @rule(p=pairs)
    def decline(self, p):
        f, n = p
        if self._decide(f, n, lambda m: memberships.decline(m, reason="Not this year", actor=self._coordinator())):
            self.declined_since_invited.add((f, n))

    @rule(p=pairs)
    def suspend(self, p):
        f, n = p
        self._decide(f, n, lambda m: memberships.suspend(m, actor=self._coordinator()))

    @rule(p=pairs)
    def reinstate(self, p):
        f, n = p
        self._decide(f, n, lambda m: memberships.reinstate(m, actor=self._coordinator()))

    @rule(p=pairs)
    def remove(self, p):
        f, n = p
        self._decide(f, n, lambda m: memberships.remove(m, actor=self._coordinator()))

    # --- admins: the forum and its coordinators' seats -----------------------------------------

    @rule(f=forums, open_to_apply=st.booleans())
    def open_or_close_the_forum(self, f, open_to_apply):
        def act():
            forum = self._forum(f)
            coordinators.save_forum(forum, coordinators.ForumDetails(
                name=forum.name, kind=forum.kind, purpose=forum.purpose, area=forum.area, open_to_apply=open_to_apply,
                min_age=forum.min_age, max_age=forum.max_age, faith_cap=forum.faith_cap), actor=self._coordinator())
        self._act(act)

    @rule(f=forums, c=st.integers(0, COORDINATORS - 1), grant=st.booleans())
    def coordinator_seat_changes(self, f, c, grant):
        change = coordinators.grant_coordinator if grant else coordinators.revoke_coordinator
        self._act(lambda: change(self._forum(f), self._coordinator(c), actor=self._coordinator(1 - c)))

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def what_each_holds_is_consistent_and_what_they_were_told(self):
        """One read of every membership and every decision email, then the rules
        (one query each: the machine checks after every step)."""
        db.session.rollback()
        memberships = db.session.scalars(select(Membership)).all()
        held = {(self.forum_ids.index(m.forum_id), self.person_ids.index(m.user_id)): m for m in memberships}
        # One membership per person per forum.
        assert len(held) == len(memberships)
        # No faith community over its seats.
        assert sum(1 for (f, _), m in held.items() if f == 1 and m.status in (
            MembershipStatus.ACTIVE, MembershipStatus.AWAITING_CONSENT, MembershipStatus.SUSPENDED)) <= 1
        # A decline is never undone by an invitation sent before it: none is left to follow.
        invited = set(db.session.execute(select(ForumInvitation.forum_id, ForumInvitation.email)).all())
        for f, n in self.declined_since_invited:
            assert (self.forum_ids[f], self.emails[n]) not in invited, f"person {n}'s invitation outlived a decline"
        # A young member is never active without a parent or carer's consent.
        for m in memberships:
            if m.status == MembershipStatus.ACTIVE and safeguarding.needs_parent_consent(m):
                assert m.parent_consented_at is not None and m.parent_consent_withdrawn_at is None
        # The last email about a decision matches what they hold (since their own last step).
        names = {self.forum_ids.index(forum.id): forum.name for forum in db.session.scalars(select(Forum))}
        last = {}
        for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient.in_(self.emails))
                                          .order_by(OutboxMessage.id)):
            for f, name in names.items():
                if message.subject in (f"Your application to {name}", f"Your membership of {name}"):
                    key = (f, self.emails.index(message.recipient))
                    if message.id > self.own_step.get(key, 0):
                        last[key] = message
        for (f, n), message in last.items():
            status = held[f, n].status
            assert status in told(message.body), \
                f"person {n} on forum {f} is {status.value}; last told:\n{message.body}"

    @invariant()
    def the_forum_page_says_what_they_hold(self):
        """The page of the forum the last step was about, as that person sees it."""
        if self.touched is None:
            return
        f, n = self.touched
        membership = self._membership(f, n)
        status = membership.status if membership is not None else None
        forum = self._forum(f)
        open_to_apply = forum.open_to_apply
        db.session.rollback()
        self.context.pop()  # the browser's requests have contexts (and a signed-in person) of their own
        try:
            browser = self.browsers.get(n)
            if browser is None:
                browser = self.browsers[n] = self.app.test_client()
                sign_in(browser, type("Person", (), {"email": self.emails[n], "password": PASSWORD}))
            page = browser.get(f"/forums/{self.forum_ids[f]}").get_data(as_text=True)
        finally:
            self.context = self.app.test_request_context()
            self.context.push()
        yours = page.split("Your membership</h2>", 1)[1].split("Meetings</h2>", 1)[0]
        tags = [label for label in LIVE_LABELS if f">{label}</strong>" in yours]
        if status in LIVE_STATUSES:
            assert tags == [status.label], (status, yours)
        else:
            assert tags == [], (status, yours)
        withdraw = "Withdraw my application" in yours
        assert withdraw == (status in (MembershipStatus.APPLIED, MembershipStatus.AWAITING_CONSENT)), (status, yours)
        # Offered "Apply to join" only where applying can work.
        offered = "Apply to join</a>" in yours
        assert offered == (open_to_apply and status in (None, MembershipStatus.DECLINED, MembershipStatus.WITHDRAWN)), \
            (status, yours)


def test_membership_lifecycle(app):
    run_state_machine_as_test(lambda: MembershipLifecycle(app), settings=settings(
        max_examples=int(os.environ.get("MACHINE_EXAMPLES", 8)), stateful_step_count=25, deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate] if os.environ.get("MACHINE_NO_SHRINK") else list(Phase),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
