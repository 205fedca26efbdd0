"""Who an organiser's messages reach, as a hypothesis state machine: random
interleavings of people unsubscribing (from the link) and a member turning
messages back on (from their account), check-ins and cancellings, and
messages to any audiences, essential or not, some sent again from the same
preview, all through the services.

After every step: each message went to exactly the people a model of the
rules says (chosen audiences, not cancelled, and for a non-essential one
only those who agreed and have not unsubscribed), each once; a preview sent
again sent nothing more; and no booking from an unsubscribed address keeps
its consent."""
import os
from datetime import timedelta

from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from core import unsubscribes
from core.accounts.models import User
from core.database import utcnow, write_lock
from core.extensions import db
from core.models import OutboxMessage
from events.models import Event, EventMessage, MessageAudience, Registration, RegistrationStatus
from events.services import messages
from events.services.check_in import check_in
from events.services.registration import cancel_registration
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory
from tests.machines import ServiceMachine, examples

# (email, status, consent); the first is a member's booking (their account can turn messages back on).
PEOPLE = [("member@example.org", RegistrationStatus.CONFIRMED, False),
          ("keen@example.org", RegistrationStatus.CONFIRMED, True),
          ("waiting@example.org", RegistrationStatus.WAITLISTED, True)]
PERSON = st.integers(0, len(PEOPLE) - 1)
AUDIENCES = st.lists(st.sampled_from(list(MessageAudience)), min_size=1, max_size=3, unique=True)


class MessageReach(ServiceMachine):

    def __init__(self, app):
        super().__init__(app)
        app.config["MESSAGES_PER_DAY"] = 100
        self.expected: dict[int, set[str]] = {}  # message id -> who the rules say gets it
        self.drafts: list[tuple[str, dict]] = []  # each sent preview's draft and the message it was made for

    @initialize()
    def an_event_under_way_and_its_people(self):
        with write_lock():
            now = utcnow()
            event = EventFactory(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2), capacity=None)
            self.organiser = UserFactory()
            member = UserFactory(email=PEOPLE[0][0])
            self.registration_ids = [
                RegistrationFactory(event=event, email=email, status=status, contact_consent=consent,
                                    user=member if n == 0 else None).id
                for n, (email, status, consent) in enumerate(PEOPLE)]
            db.session.commit()
            self.event_id, self.member_id = event.id, member.id
        self.consent = [consent for _, _, consent in PEOPLE]
        self.stopped = [False] * len(PEOPLE)
        self.cancelled = [False] * len(PEOPLE)
        self.came = [False] * len(PEOPLE)

    def _registration(self, n) -> Registration:
        return db.session.get(Registration, self.registration_ids[n])

    @rule(n=PERSON)
    def unsubscribe_from_the_link(self, n):
        if self.act(lambda: unsubscribes.unsubscribe(PEOPLE[n][0], unsubscribes.PARTNERSHIP)):
            self.stopped[n], self.consent[n] = True, False

    @rule()
    def the_member_turns_messages_back_on(self):
        member = db.session.get(User, self.member_id)
        if self.act(lambda: unsubscribes.resubscribe(member.email, unsubscribes.PARTNERSHIP, user=member)):
            self.stopped[0] = False
            self.consent[0] = self.consent[0] or not self.cancelled[0]

    @rule(n=PERSON)
    def check_in_or_cancel(self, n):
        if self.came[n] or self.cancelled[n] or PEOPLE[n][1] != RegistrationStatus.CONFIRMED:
            if not self.came[n] and not self.cancelled[n] and \
                    self.act(lambda: cancel_registration(self._registration(n), actor=self.organiser)):
                self.cancelled[n] = True
            return
        if self.act(lambda: check_in(self._registration(n), actor=self.organiser)):
            self.came[n] = True

    @rule(audiences=AUDIENCES, essential=st.booleans(), again=st.booleans())
    def send(self, audiences, essential, again):
        event = db.session.get(Event, self.event_id)
        message = {"subject": "News", "body": "Hello", "audiences": audiences, "essential": essential}
        # Sent again: the last preview's draft, carried with the message it was made for.
        draft = self.drafts[-1][0] if again and self.drafts else messages.new_draft(event, **message)
        if again and self.drafts:
            message = self.drafts[-1][1]
        expected = None if draft in [d for d, _ in self.drafts] else {
            PEOPLE[n][0] for n in range(len(PEOPLE))
            if not self.cancelled[n] and self._in(n, audiences) and (essential or (self.consent[n] and not self.stopped[n]))}
        sent = []
        assert self.act(lambda: sent.append(messages.send_message(event, **message, draft=draft,
                                                                   actor=self.organiser)))
        sent_message, new = sent[0]
        assert new == (expected is not None)
        if new:
            self.drafts.append((draft, message))
            self.expected[sent_message.id] = expected

    def _in(self, n, audiences) -> bool:
        status = PEOPLE[n][1]
        return (MessageAudience.CAME in audiences and self.came[n]) or \
            (MessageAudience.BOOKED in audiences and status == RegistrationStatus.CONFIRMED) or \
            (MessageAudience.WAITING in audiences and status == RegistrationStatus.WAITLISTED)

    @invariant()
    def each_message_went_to_exactly_those_the_rules_say_once_each(self):
        assert db.session.scalar(select(func.count()).select_from(EventMessage)) == len(self.expected)
        for message_id, expected in self.expected.items():
            message = db.session.get(EventMessage, message_id)
            got = list(db.session.scalars(select(OutboxMessage.recipient).where(
                OutboxMessage.job_id == message.job_id))) if message.job_id else []
            assert sorted(got) == sorted(expected) and message.recipients == len(expected)

    @invariant()
    def no_unsubscribed_address_keeps_its_consent(self):
        for n, (email, _status, _consent) in enumerate(PEOPLE):
            if unsubscribes.is_unsubscribed(email, unsubscribes.PARTNERSHIP):
                assert not self._registration(n).contact_consent


def test_who_messages_reach(app):
    run_state_machine_as_test(lambda: MessageReach(app), settings=settings(
        max_examples=int(os.environ.get("MACHINE_EXAMPLES", examples(app, 12))), stateful_step_count=12,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate] if os.environ.get("MACHINE_NO_SHRINK") else list(Phase),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
