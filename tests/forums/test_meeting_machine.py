"""A forum meeting's lifecycle (docs/lifecycles/meeting.md) as a hypothesis
state machine: random interleavings of scheduling meetings to come and
recording ones that have taken place, members booking and sending apologies,
actions agreed at a meeting or between meetings and done, minutes written and
approved, and meetings cancelled (twice, too), all through the services.

After every step: an action agreed at a meeting never shows as carried
forward to that same meeting; a past meeting can always be minuted; a
cancelled meeting is never shown as an upcoming one without saying it is
cancelled; everyone told a meeting was scheduled, or booked on it, is told
when it is cancelled; and no unique constraint escapes a service."""
import os
from datetime import date, time, timedelta

from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from core.database import london_datetime, write_lock
from core.extensions import db
from core.models import OutboxMessage
from core.accounts.models import User
from events.services.registration import register, standing
from events.services.scheduling import cancel_event
from events.models import Event, EventStatus, Registration, RegistrationStatus
from forums import meetings
from forums.meetings import MeetingDetails
from forums.models import ActionItem, ActionStatus, Forum, ForumCoordinator, ForumKind, MeetingPapers
from tests.events.factories import VenueFactory
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory
from tests.machines import ServiceMachine, examples

MEMBERS = 2  # member 1 turned the forum's emails off: told only what is essential
DAYS = st.sampled_from([-10, -3, 4, 12, 30])  # when a meeting is, from today


class MeetingLifecycle(ServiceMachine):

    def __init__(self, app):
        super().__init__(app)
        self.meeting_ids: list[int] = []
        self.action_ids: list[int] = []

    @initialize()
    def a_forum_its_coordinator_and_members(self):
        with write_lock():
            forum = ForumFactory(kind=ForumKind.OTHER)
            coordinator = UserFactory()
            db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
            members = [MembershipFactory(forum=forum, announcement_emails=n == 0) for n in range(MEMBERS)]
            self.venue_id = VenueFactory().id
            db.session.commit()
            self.forum_id, self.coordinator_id = forum.id, coordinator.id
            self.member_ids = [m.user_id for m in members]
            self.member_emails = [m.user.email for m in members]

    def _forum(self) -> Forum:
        return db.session.get(Forum, self.forum_id)

    def _coordinator(self) -> User:
        return db.session.get(User, self.coordinator_id)

    def _meeting(self, data) -> Event | None:
        if not self.meeting_ids:
            return None
        return db.session.get(Event, data.draw(st.sampled_from(self.meeting_ids)))

    @rule(days=DAYS)
    def schedule_or_record(self, days):
        """A meeting to come is scheduled; one that has taken place is recorded, to be minuted."""
        day = date.today() + timedelta(days=days)
        title = f"Meeting {len(self.meeting_ids) + 1}"

        def act():
            meeting = meetings.schedule_meeting(self._forum(), MeetingDetails(
                title=title, starts_at=london_datetime(day, time(18)), ends_at=london_datetime(day, time(20)),
                venue_id=self.venue_id), actor=self._coordinator())
            self.meeting_ids.append(meeting.id)
        assert self.act(act), "a meeting in the past must be recordable and one to come schedulable"

    @rule(data=st.data())
    def cancel(self, data):
        meeting = self._meeting(data)
        if meeting is not None:
            self.act(lambda: cancel_event(db.session.get(Event, meeting.id), actor=self._coordinator(),
                                                  reason="The hall is closed."))

    @rule(data=st.data(), n=st.integers(0, MEMBERS - 1))
    def book(self, data, n):
        meeting = self._meeting(data)
        if meeting is not None:
            self.act(lambda: register(db.session.get(Event, meeting.id),
                                              user=db.session.get(User, self.member_ids[n])))

    @rule(data=st.data(), n=st.integers(0, MEMBERS - 1))
    def send_apologies(self, data, n):
        meeting = self._meeting(data)
        if meeting is not None:
            self.act(lambda: meetings.send_apologies(db.session.get(Event, meeting.id),
                                                      db.session.get(User, self.member_ids[n]), note="Away"))

    @rule(data=st.data(), at_a_meeting=st.booleans(), n=st.integers(0, MEMBERS - 1))
    def agree_an_action(self, data, at_a_meeting, n):
        meeting = self._meeting(data) if at_a_meeting else None

        def act():
            action = meetings.add_action(self._forum(), description="Book the hall", owner_id=self.member_ids[n],
                                         due_on=None, meeting=meeting, actor=self._coordinator())
            self.action_ids.append(action.id)
        self.act(act)

    @rule(data=st.data())
    def an_action_is_done(self, data):
        if self.action_ids:
            action_id = data.draw(st.sampled_from(self.action_ids))
            self.act(lambda: meetings.set_action_status(db.session.get(ActionItem, action_id), ActionStatus.DONE,
                                                         actor=self._coordinator()))

    @rule(data=st.data())
    def minute(self, data):
        """The minutes of a meeting that has taken place can be written and approved (cancelled or not)."""
        meeting = self._meeting(data)
        if meeting is not None and meeting.starts_at < meetings.utcnow():
            assert self.act(lambda: meetings.save_papers(
                db.session.get(Event, meeting.id), agenda="", minutes="We met.", approve_minutes=True,
                actor=self._coordinator())), "a past meeting could not be minuted"
            assert db.session.get(MeetingPapers, meeting.id).minutes_approved_at is not None

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def an_action_agreed_at_a_meeting_is_not_carried_forward_to_it(self):
        db.session.rollback()
        for meeting in db.session.scalars(select(Event).where(Event.forum_id == self.forum_id)):
            carried = {action.id for action in meetings.carried_forward_to(meeting)}
            own = {action.id for action in meetings.actions_raised_at(meeting)}
            assert not carried & own, f"{meeting.title}: its own actions shown as carried forward"

    @invariant()
    def a_cancelled_meeting_is_not_shown_as_one_to_come(self):
        for meeting in meetings.meetings_of(self._forum(), upcoming=True):
            if meeting.status == EventStatus.CANCELLED:
                assert meeting.status.label == "Cancelled"  # the forum page tags every meeting not going ahead
        for meeting in db.session.scalars(select(Event).where(Event.forum_id == self.forum_id,
                                                              Event.status == EventStatus.CANCELLED)):
            for registration in db.session.scalars(select(Registration).where(Registration.event_id == meeting.id)):
                assert standing(registration) == RegistrationStatus.CANCELLED

    @invariant()
    def the_members_are_told_of_meetings_and_of_their_cancelling(self):
        forum_name = self._forum().name
        for meeting in db.session.scalars(select(Event).where(Event.forum_id == self.forum_id)):
            mail = db.session.execute(select(OutboxMessage.recipient, OutboxMessage.subject).where(
                OutboxMessage.subject.in_([f"{forum_name}: {meeting.title}", f"Cancelled: {meeting.title}"]))).all()
            told_of_it = {to for to, subject in mail if subject.startswith(forum_name)}
            told_cancelled = {to for to, subject in mail if subject.startswith("Cancelled")}
            if meeting.starts_at > meetings.utcnow():
                # A meeting to come: every member who gets the forum's emails is told of it.
                assert self.member_emails[0] in told_of_it, f"{meeting.title}: the member was not told"
            if meeting.status == EventStatus.CANCELLED and meeting.starts_at > meetings.utcnow():
                # Everyone told of it or booked on it hears it is off (members who turned the forum's
                # emails off too: cancelling is essential).
                assert set(self.member_emails) <= told_cancelled, \
                    f"{meeting.title} cancelled: told {told_cancelled}, not {set(self.member_emails) - told_cancelled}"


def test_meeting_lifecycle(app):
    run_state_machine_as_test(lambda: MeetingLifecycle(app), settings=settings(
        max_examples=int(os.environ.get("MACHINE_EXAMPLES", examples(app, 15))), stateful_step_count=15, deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate] if os.environ.get("MACHINE_NO_SHRINK") else list(Phase),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
