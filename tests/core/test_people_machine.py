"""Merging people as a state machine: two accounts and guests under
addresses written in different cases register (through the services, or as
imported rows for the addresses the forms would have lower-cased), join forums,
answer the equality questions, and get merged in any order, any pair either way.

After every merge nothing is lost: the kept record is registered for every
event either was, is a member of every forum either was, and has one set of
equality answers if either had. After every step: one registration per person
per event (and one live one per account), places never exceed capacity, every
equality link points at an existing person (its key and account agree), and
nothing is left under a merged-away record."""
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from core.accounts.models import ProvenAddress, User
from core.database import utcnow, write_lock
from core.equality import services as equality
from core.equality.models import EqualityLink
from core.extensions import db
from core.people import services
from events.models import Event, Registration, RegistrationStatus
from events.services.places import _lock, places_held, places_left
from events.services.registration import register
from forums.models import Forum, Membership, MembershipStatus
from tests.events.factories import EventFactory
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory
from tests.machines import ServiceMachine, examples

GUESTS = ["guest:ann@example.org", "guest:Ann@Example.org", "guest:cal@example.org", "guest:CAL@example.org "]
indexes = st.integers(0, len(GUESTS) + 1)  # 0 and 1: the accounts; then the guests
STATUSES = [MembershipStatus.APPLIED, MembershipStatus.ACTIVE, MembershipStatus.WITHDRAWN]


class Merging(ServiceMachine):

    @initialize()
    def two_accounts_two_events_and_a_forum(self):
        with write_lock():
            ann = UserFactory(name="Ann Akhtar", email="ann@example.org")
            work = UserFactory(name="Ann Akhtar", email="ann.work@example.org")
            db.session.add(ProvenAddress(user_id=work.id, email="cal@example.org"))
            self.admin = UserFactory(roles=["admin"]).id
            self.events = [EventFactory(capacity=3, instant_guest_places=True).id for _ in range(2)]
            self.forum = ForumFactory().id
            db.session.commit()
        self.keys = [f"user:{ann.id}", f"user:{work.id}", *GUESTS]

    def _person(self, index):
        return services.person(self.keys[index])

    @rule(who=indexes, which=st.integers(0, 1), tickets=st.integers(1, 2))
    def book(self, who, which, tickets):
        key, event = self.keys[who], db.session.get(Event, self.events[which])
        someone = self._person(who)
        if someone is None:
            return
        if someone.user is not None:
            self.act(lambda: register(event, user=db.session.get(User, someone.user.id), tickets=tickets))
        elif key == GUESTS[0] or key == GUESTS[2]:
            self.act(lambda: register(event, name="A guest", email=someone.email, tickets=tickets))
        else:
            self.act(lambda: self._imported_row(event, key, tickets))

    def _imported_row(self, event, key, tickets):
        """A row a spreadsheet import left, its address as typed; it still respects the places."""
        _lock(event)
        if db.session.scalar(select(Registration.id).where(Registration.event_id == event.id,
                                                          Registration.person_key == key)):
            return
        left = places_left(event)
        db.session.add(Registration(
            event_id=event.id, person_key=key, name="Imported", email=key[len("guest:"):], tickets=tickets,
            status=RegistrationStatus.CONFIRMED if left is None or left >= tickets else RegistrationStatus.WAITLISTED,
            waitlisted_at=utcnow(), confirmed_at=utcnow()))
        db.session.flush()

    @rule(who=st.integers(0, 1), status=st.sampled_from(STATUSES))
    def join(self, who, status):
        someone = self._person(who)
        if someone is None:
            return

        def apply():
            if db.session.scalar(select(Membership.id).where(Membership.forum_id == self.forum,
                                                              Membership.user_id == someone.user.id)) is None:
                db.session.add(Membership(forum_id=self.forum, user_id=someone.user.id, status=status,
                                          reason="To take part"))
                db.session.flush()
        self.act(apply)

    @rule(who=indexes, religion=st.sampled_from(["sikh", "jewish", "prefer_not_to_say"]))
    def answer(self, who, religion):
        someone = self._person(who)
        if someone is None:
            return

        def apply():
            equality.give_consent(someone.key, user=someone.user)
            equality.save_answers(someone.key, {"religion": religion})
        self.act(apply)

    # The pairs the duplicates page would offer (either way round), and a few it would not.
    @rule(pair=st.sampled_from([(2, 0), (3, 0), (3, 2), (2, 3), (4, 1), (5, 1), (5, 4), (1, 0), (0, 1), (2, 1),
                                (0, 3)]))
    def merge(self, pair):
        merged, kept = pair
        merging, keeping = self._person(merged), self._person(kept)
        if merging is None or keeping is None:
            return
        before = {key: self._held(key) for key in (merging.key, keeping.key)}
        admin = db.session.get(User, self.admin)
        if self.act(lambda: services.merge(merging, keeping, actor=admin)):
            events, forums, answered = (before[merging.key][i] | before[keeping.key][i] for i in range(3))
            assert self._held(keeping.key) == (events, forums, answered), "something was lost in the merge"
            assert self._held(merging.key) == (set(), set(), False)

    def _held(self, key):
        """(events registered for, forums joined, has equality answers) under a key."""
        user_id = int(key[len("user:"):]) if key.startswith("user:") else None
        events = set(db.session.scalars(select(Registration.event_id).where(
            (Registration.person_key == key) | (Registration.user_id == user_id if user_id else False))))
        forums = set(db.session.scalars(select(Membership.forum_id).where(Membership.user_id == user_id))) \
            if user_id else set()
        return events, forums, equality.answers_of(key) is not None

    @invariant()
    def one_registration_per_person_per_event_and_places_never_exceeded(self):
        live = db.session.execute(select(Registration.event_id, Registration.user_id, func.count()).where(
            Registration.user_id.is_not(None), Registration.status != RegistrationStatus.CANCELLED)
            .group_by(Registration.event_id, Registration.user_id)).all()
        assert all(count == 1 for _, _, count in live), live
        for event_id in self.events:
            event = db.session.get(Event, event_id)
            assert places_held(event) <= event.capacity

    @invariant()
    def every_equality_link_points_at_an_existing_person(self):
        accounts = set(db.session.scalars(select(User.id)))
        for link in db.session.scalars(select(EqualityLink)):
            if link.person_key.startswith("user:"):
                assert link.user_id in accounts and link.person_key == f"user:{link.user_id}"
            else:
                assert link.person_key.startswith("guest:")
        assert db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.user_id.is_not(None), Registration.user_id.not_in(accounts))) == 0
        assert db.session.scalar(select(func.count()).select_from(Forum)) == 1


def test_merging_people_in_any_order_loses_nothing_and_never_overbooks(app):
    run_state_machine_as_test(lambda: Merging(app), settings=settings(
        max_examples=examples(app, 25), stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
