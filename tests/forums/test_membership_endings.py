"""Membership ends, access ends: someone suspended or removed from a forum,
or whose parent or carer withdraws consent, gives up their places at the
forum's members-only meetings still to come (the next person waiting is
offered theirs), and no calendar feed or My events shows them a members-only
meeting once they are not a member, whatever the registration table says.
Then the membership lifecycle against booking, as a state machine."""
import ast
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from core.database import london_datetime, utcnow, write_lock
from core.errors import DomainError
from core.extensions import db
from core.models import AuditEntry, OutboxMessage
from core.accounts.models import User
from events.services.calendars import renew_calendar_link
from events.services.registration import cancel_registration, register
from events.services.registration_links import registration_link
from events.services import waiting_list
from events.models import HOLDS_PLACES, Audience, Event, EventKind, Registration, RegistrationStatus
from forums.services import applying, consent, memberships
from forums.models import Forum, ForumCoordinator, ForumKind, Membership, MembershipSpell, MembershipStatus
from tests.machines import examples
from tests.conftest import empty, sign_in, submit
from tests.events.factories import EventFactory, VenueFactory
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory

ROOT = Path(__file__).resolve().parents[2]
VENUE_ADDRESS = "14 Sheep Street"


def next_week(days=7, hour=18):
    return london_datetime(date.today() + timedelta(days=days), time(hour, 0))


def members_meeting(forum, *, capacity=1, days=7, **overrides):
    return EventFactory(title="Youth forum planning meeting", forum_id=forum.id, kind=EventKind.FORUM_MEETING,
                        audience=Audience.FORUM_MEMBERS, allow_guests=False, capacity=capacity,
                        starts_at=next_week(days), ends_at=next_week(days, 20),
                        venue=VenueFactory(address=f"{VENUE_ADDRESS}\nNorthampton"), **overrides)


def registration_of(user_id, event_id) -> Registration:
    return db.session.scalar(select(Registration).where(Registration.user_id == user_id,
                                                        Registration.event_id == event_id))


ENDINGS = {
    "removed": lambda membership, coordinator: memberships.remove(membership, actor=coordinator),
    "suspended": lambda membership, coordinator: memberships.suspend(membership, actor=coordinator),
    "parent or carer withdrew consent": lambda membership, coordinator: consent.withdraw_consent(membership),
}


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_a_membership_that_ends_gives_up_its_places_at_members_meetings_to_come(app, ending):
    with app.test_request_context(), write_lock(every_transaction=True):
        forum, coordinator = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25), UserFactory()
        leaving = MembershipFactory(forum=forum, date_of_birth=date.today() - timedelta(days=16 * 366),
                                    parent_name="A parent", parent_email="parent@example.org",
                                    parent_consented_at=utcnow())
        staying = MembershipFactory(forum=forum)
        meeting, later = members_meeting(forum), members_meeting(forum, days=30, capacity=None)
        past = members_meeting(forum, days=-7, capacity=None)
        public = EventFactory(forum_id=forum.id, kind=EventKind.FORUM_MEETING)  # a public meeting: anyone may come
        for event in (meeting, later, public):
            register(event, user=leaving.user)
        db.session.add(Registration(event=past, user=leaving.user, person_key=f"user:{leaving.user_id}",
                                    name=leaving.user.name, email=leaving.user.email,
                                    status=RegistrationStatus.CONFIRMED))
        waiting = register(meeting, user=staying.user)
        db.session.commit()
        assert waiting.status == RegistrationStatus.WAITLISTED

        ENDINGS[ending](leaving, coordinator)
        db.session.commit()

        assert registration_of(leaving.user_id, meeting.id).status == RegistrationStatus.CANCELLED
        assert registration_of(leaving.user_id, later.id).status == RegistrationStatus.CANCELLED
        assert registration_of(leaving.user_id, past.id).status == RegistrationStatus.CONFIRMED  # history stays
        assert registration_of(leaving.user_id, public.id).status == RegistrationStatus.CONFIRMED
        assert db.session.get(Registration, waiting.id).status == RegistrationStatus.OFFERED
        offers = db.session.scalars(select(OutboxMessage.subject).where(
            OutboxMessage.recipient == staying.user.email)).all()
        assert f"A place is free: {meeting.title}" in offers
        given_up = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "membership.places_given_up"))
        assert given_up.object_id == str(leaving.id) and set(given_up.details["events"]) == {meeting.id, later.id}
        # They are told, with the meetings they no longer have a place at (found by people using it: they were not)
        [told] = db.session.scalars(select(OutboxMessage.body).where(
            OutboxMessage.recipient == leaving.user.email, OutboxMessage.subject.like("Your membership of %"))).all()
        assert told.count(meeting.title) == 2  # this week's meeting and the later one, not last week's


def test_a_coordinator_removes_a_member_and_their_place_goes_to_the_next_waiting(app, make_user):
    coordinator = make_user()
    with app.test_request_context(), write_lock(every_transaction=True):
        forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        removed, next_in_line = MembershipFactory(forum=forum), MembershipFactory(forum=forum)
        meeting = members_meeting(forum)
        register(meeting, user=removed.user)
        register(meeting, user=next_in_line.user)
        db.session.commit()
        ids = removed.id, removed.user_id, next_in_line.user_id, forum.id, meeting.id
    membership_id, removed_user, next_user, forum_id, meeting_id = ids
    browser = app.test_client()
    sign_in(browser, coordinator)
    page = f"/forums/{forum_id}/manage/memberships/{membership_id}"
    assert submit(browser, page, {"action": "remove", "role": "member"}).status_code == 302
    with app.app_context():
        assert registration_of(removed_user, meeting_id).status == RegistrationStatus.CANCELLED
        assert registration_of(next_user, meeting_id).status == RegistrationStatus.OFFERED


def test_someone_no_longer_a_member_sees_nothing_of_the_meeting_in_my_events_or_their_feed(app, make_user):
    """Even where the registration still says confirmed (made before this
    rule, or by hand): every read asks whether they may see the event."""
    person = make_user()
    with app.test_request_context(), write_lock(every_transaction=True):
        forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
        membership = MembershipFactory(forum=forum, user=db.session.get(User, person.id))
        meeting = members_meeting(forum, capacity=None)
        public = EventFactory(title="Big Lunch")
        for event in (meeting, public):
            register(event, user=membership.user)
        token = renew_calendar_link(membership.user, actor=membership.user).token
        emailed_link = registration_link(registration_of(person.id, meeting.id))
        db.session.commit()
        membership_id = membership.id
    browser = app.test_client()
    sign_in(browser, person)
    feed = f"/calendar/personal/{token}.ics"
    before = browser.get(feed)
    assert "Youth forum planning meeting" in before.get_data(as_text=True)
    assert VENUE_ADDRESS in before.get_data(as_text=True)
    assert "Youth forum planning meeting" in browser.get("/my-events").get_data(as_text=True)
    assert browser.get(emailed_link).status_code == 200

    with app.app_context():  # the membership ends behind the services' back: the registration stays confirmed
        db.session.get(Membership, membership_id).status = MembershipStatus.REMOVED
        db.session.commit()
    after = browser.get(feed, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200, "the feed's version must change when the meeting leaves it"
    assert "Youth forum planning meeting" not in after.get_data(as_text=True)
    assert VENUE_ADDRESS not in after.get_data(as_text=True) and "Big Lunch" in after.get_data(as_text=True)
    my_events = browser.get("/my-events").get_data(as_text=True)
    assert "Youth forum planning meeting" not in my_events and "Big Lunch" in my_events
    assert browser.get(emailed_link).status_code == 404  # the booking email's link shows nothing of it either


# --- the lifecycle as a state machine ---------------------------------------------------------------

PEOPLE = 3  # one under 18 (a parent must consent), two adults
CAPACITY = 1  # so that someone is soon waiting


class MembershipAndBooking(RuleBasedStateMachine):
    """Apply, approve, give or withdraw a parent's consent, suspend,
    reinstate, remove, withdraw an application, against booking, cancelling
    and accepting offers for the forum's members-only meeting, all through
    the services. After every step: a membership has a running spell
    exactly while it is active; nobody but an active member holds a
    place or a queue position at the forum's members-only meetings to come;
    confirmed places never exceed capacity; and the waiting list keeps the
    order people joined it in."""

    def __init__(self, app):
        super().__init__()
        self.app = app
        self.context = app.test_request_context()
        self.context.push()
        self.queue: list[int] = []  # the waiting list after the last step, first in line first

    def teardown(self):
        db.session.rollback()
        self.context.pop()
        empty(self.app)

    @initialize()
    def a_youth_forum_and_its_meeting(self):
        with write_lock():
            forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
            self.coordinator = UserFactory()
            self.people = [UserFactory() for _ in range(PEOPLE)]
            self.born = [date.today() - timedelta(days=(15 if n == 0 else 21) * 366) for n in range(PEOPLE)]
            self.forum_id, self.meeting_id = forum.id, members_meeting(forum, capacity=CAPACITY).id
            db.session.commit()
        # Start with the young person and one adult already members (through the services), one booked
        # and one waiting, so that every example soon reaches a membership ending with a place at stake.
        for n in (0, 1):
            self.apply(n)
            self.approve(n)
        self.parent_consents(0)
        for n in (0, 1):
            self.book(n)

    def _act(self, action) -> None:
        """What a view does: load and call the service in one transaction begun
        under the write lock, then commit, or roll back on a refusal."""
        db.session.rollback()  # end the invariants' reads, so the next transaction takes the lock
        with write_lock():
            try:
                action()
            except DomainError:
                db.session.rollback()
                return
            db.session.commit()

    def _membership(self, n) -> Membership | None:
        return db.session.scalar(select(Membership).where(Membership.forum_id == self.forum_id,
                                                          Membership.user_id == self.people[n].id))

    def _with_membership(self, n, action) -> None:
        def act():
            membership = self._membership(n)
            if membership is not None:
                action(membership)
        self._act(act)

    @rule(n=st.integers(0, PEOPLE - 1))
    def apply(self, n):
        self._act(lambda: applying.apply(db.session.get(Forum, self.forum_id), self.people[n], applying.Application(
            reason="To help plan", date_of_birth=self.born[n], parent_name="A parent",
            parent_email=f"parent{n}@example.org")))

    @rule(n=st.integers(0, PEOPLE - 1))
    def approve(self, n):
        self._with_membership(n, lambda m: memberships.approve(m, actor=self.coordinator))

    @rule(n=st.integers(0, PEOPLE - 1))
    def parent_consents(self, n):
        self._with_membership(n, lambda m: consent.give_consent(m, photo_consent=False))

    @rule(n=st.integers(0, PEOPLE - 1))
    def parent_withdraws_consent(self, n):  # ends a young person's membership (suspended until they consent again)
        self._with_membership(n, consent.withdraw_consent)

    @rule(n=st.integers(0, PEOPLE - 1))
    def suspend(self, n):
        self._with_membership(n, lambda m: memberships.suspend(m, actor=self.coordinator))

    @rule(n=st.integers(0, PEOPLE - 1))
    def reinstate(self, n):
        self._with_membership(n, lambda m: memberships.reinstate(m, actor=self.coordinator))

    @rule(n=st.integers(0, PEOPLE - 1))
    def remove(self, n):
        self._with_membership(n, lambda m: memberships.remove(m, actor=self.coordinator))

    @rule(n=st.integers(0, PEOPLE - 1))
    def withdraw_application(self, n):
        self._with_membership(n, lambda m: applying.withdraw_application(m, actor=self.people[n]))

    @rule(n=st.integers(0, PEOPLE - 1))
    def book(self, n):
        self._act(lambda: register(db.session.get(Event, self.meeting_id), user=self.people[n]))

    @rule(n=st.integers(0, PEOPLE - 1))
    def cancel(self, n):
        def act():
            booking = registration_of(self.people[n].id, self.meeting_id)
            if booking is not None:
                cancel_registration(booking, actor=self.people[n])
        self._act(act)

    @rule(n=st.integers(0, PEOPLE - 1))
    def accept_offer(self, n):
        def act():
            booking = registration_of(self.people[n].id, self.meeting_id)
            if booking is not None and booking.status == RegistrationStatus.OFFERED:
                waiting_list.accept_offer(booking)
        self._act(act)

    @invariant()
    def only_active_members_hold_places_or_wait(self):
        db.session.expire_all()
        live = db.session.scalars(select(Registration).join(Registration.event).where(
            Event.forum_id == self.forum_id, Event.audience == Audience.FORUM_MEMBERS, Event.starts_at > utcnow(),
            Registration.status.in_([RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED,
                                     RegistrationStatus.WAITLISTED]))).all()
        people = [person.id for person in self.people]
        for registration in live:
            membership = self._membership(people.index(registration.user_id))
            assert membership is not None and membership.status == MembershipStatus.ACTIVE, (
                f"{registration.status.value} place held by someone {membership.status.value if membership else ''}")

    @invariant()
    def a_membership_has_a_running_spell_exactly_while_it_is_active(self):
        """What reports count members from: one spell open while active, none
        otherwise, and the spells one after another, never overlapping."""
        for n in range(PEOPLE):
            membership = self._membership(n)
            if membership is None:
                continue
            spells = db.session.scalars(select(MembershipSpell).where(MembershipSpell.membership_id == membership.id)
                                        .order_by(MembershipSpell.started_at, MembershipSpell.id)).all()
            running = [spell for spell in spells if spell.ended_at is None]
            assert len(running) == (1 if membership.status == MembershipStatus.ACTIVE else 0), membership.status
            assert all(spell.ended_at is not None for spell in spells[:-1])
            assert all(earlier.ended_at <= later.started_at for earlier, later in zip(spells, spells[1:]))

    @invariant()
    def confirmed_places_never_exceed_capacity(self):
        held = db.session.scalars(select(Registration.tickets).where(
            Registration.event_id == self.meeting_id, Registration.status.in_(HOLDS_PLACES))).all()
        assert sum(held) <= CAPACITY

    @invariant()
    def the_waiting_list_keeps_its_order(self):
        """Whoever stays in the queue keeps their order, ahead of anyone who joined since."""
        queue = [registration.id for registration in waiting_list.waiting_list(db.session.get(Event, self.meeting_id))]
        stayed = [registration_id for registration_id in self.queue if registration_id in queue]
        assert queue[:len(stayed)] == stayed
        self.queue = queue


def test_only_set_status_changes_a_memberships_status():
    """Reports count members from the spells set_status keeps, so no other
    code may move a membership's status itself (the bench's bulk load writes
    its spells beside its rows)."""
    found = []
    for package in ("core", "events", "forums", "awards", "reports", "api", "seed"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            allowed = {node for function in ast.walk(tree) if isinstance(function, ast.FunctionDef)
                       and function.name == "set_status" for node in ast.walk(function)}
            for node in ast.walk(tree):
                targets = node.targets if isinstance(node, ast.Assign) else []
                for target in (each for target in targets for each in ast.walk(target)):
                    if isinstance(target, ast.Attribute) and target.attr == "status" and node not in allowed \
                            and "membership" in ast.unparse(target.value).lower() + ast.unparse(node.value):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


def test_membership_lifecycle_against_booking_the_members_meeting(app):
    run_state_machine_as_test(lambda: MembershipAndBooking(app), settings=settings(
        max_examples=examples(app, 30), stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))


def test_when_a_parent_withdraws_consent_the_coordinators_are_told(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
        coordinator = UserFactory()
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        young = MembershipFactory(forum=forum, date_of_birth=date.today() - timedelta(days=14 * 366),
                                  parent_name="A parent", parent_email="parent@example.org",
                                  parent_consented_at=utcnow())
        consent.withdraw_consent(young)
        db.session.commit()
        told = db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.recipient == coordinator.email))
        assert list(told) == [f"Consent withdrawn: {forum.name}"]
