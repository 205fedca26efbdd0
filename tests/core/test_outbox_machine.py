"""An email's whole life as a state machine, through the services: written
with its change (or rolled back with it), claimed, sent through a relay that
comes and goes, backed off, parked after MAIL_MAX_ATTEMPTS, interrupted by a
sender that dies mid-send, sent again by an admin, counted on its batch's job
page. After every step: nothing is ever delivered twice, a message is sent
exactly when the relay took it, nothing rolled back exists, what admins are
shown is exactly what needs them, and each job's progress adds up."""
import os
from datetime import timedelta

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import select, update
from flask_mailman.backends.base import BaseEmailBackend

from core import email, progress
from core.database import utcnow
from core.errors import DomainError
from core.extensions import db
from core.models import BackgroundJob, OutboxMessage, OutboxStatus
from tests.conftest import make_app
from tests.factories import UserFactory
from tests.machines import ServiceMachine

MAX_ATTEMPTS = 3


class FlakyRelay(BaseEmailBackend):
    """A mail server that is up or down, keeping the subject of everything it accepted."""

    up = True
    accepted: list[str] = []

    def send_messages(self, messages):
        if not FlakyRelay.up:
            raise ConnectionRefusedError("the relay is down")
        FlakyRelay.accepted.extend(message.subject for message in messages)
        return len(messages)


class OutboxLifecycle(ServiceMachine):

    def __init__(self, app):
        super().__init__(app)
        FlakyRelay.up, FlakyRelay.accepted = True, []
        self.written: list[str] = []  # subjects of messages whose transaction committed
        self.rolled_back: list[str] = []
        self.made = 0

    @initialize()
    def a_sender_and_their_batch(self):
        owner = UserFactory()
        self.admin = UserFactory(roles=["admin"])
        self.job_id = progress.start_job(owner_id=owner.id, title="Invitations", back_url="/").id
        db.session.commit()

    def _write(self, in_batch: bool) -> str:
        self.made += 1
        subject = f"Message {self.made}"
        email.queue_email(to=f"person{self.made}@example.org", subject=subject, template="password_changed",
                          user=self.admin, job_id=self.job_id if in_batch else None)
        return subject

    @rule(in_batch=st.booleans())
    def a_change_writes_an_email(self, in_batch):
        subjects = []
        self.act(lambda: subjects.append(self._write(in_batch)))
        self.written += subjects

    @rule()
    def a_change_is_refused_and_its_email_goes_with_it(self):
        subjects = []

        def refused():
            subjects.append(self._write(True))
            db.session.flush()
            raise DomainError("refused")
        self.act(refused)
        self.rolled_back += subjects

    @rule(up=st.booleans())
    def the_relay_comes_and_goes(self, up):
        FlakyRelay.up = up

    @rule(limit=st.sampled_from([None, 1, 2]))
    def a_worker_sends_what_is_due(self, limit):
        email.deliver_due(limit=limit)

    @rule()
    def time_passes_so_retries_fall_due(self):
        db.session.execute(update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()

    @rule()
    def a_worker_dies_mid_send(self):
        """It claimed the oldest due message and never said how the send went."""
        email._claim_next()

    @rule()
    def long_after_a_worker_died(self):
        db.session.execute(update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENDING)
                           .values(claimed_at=utcnow() - email.INTERRUPTED_AFTER - timedelta(minutes=1)))
        db.session.commit()

    @precondition(lambda self: self.made)
    @rule(pick=st.integers(min_value=0), twice=st.booleans())
    def an_admin_sends_one_again(self, pick, twice):
        ids = db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
        if not ids:
            return
        chosen = ids[pick % len(ids)]
        held = {message.id for message in email.held_for_a_person()}
        again = self.act(lambda: email.send_again(chosen, actor=self.admin))
        assert again == (chosen in held)  # only what admins are shown can be sent again
        if twice:
            assert not self.act(lambda: email.send_again(chosen, actor=self.admin))  # the second press finds nothing

    # --- after every step --------------------------------------------------------------------------

    @invariant()
    def nothing_is_delivered_twice_and_sent_means_delivered(self):
        db.session.rollback()
        assert len(FlakyRelay.accepted) == len(set(FlakyRelay.accepted))
        rows = db.session.execute(select(OutboxMessage.subject, OutboxMessage.status, OutboxMessage.attempts,
                                         OutboxMessage.last_error)).all()
        sent = {subject for subject, status, _, _ in rows if status == OutboxStatus.SENT}
        sending = {subject for subject, status, _, _ in rows if status == OutboxStatus.SENDING}
        # Sent exactly when the relay took it; a message whose worker died was never handed over here.
        assert sent == set(FlakyRelay.accepted) and not sending & set(FlakyRelay.accepted)
        for subject, status, attempts, last_error in rows:
            if status == OutboxStatus.FAILED:
                assert attempts >= MAX_ATTEMPTS and last_error, subject
            if status == OutboxStatus.PENDING:
                assert attempts < MAX_ATTEMPTS, subject

    @invariant()
    def what_was_written_exists_and_nothing_rolled_back_does(self):
        subjects = set(db.session.scalars(select(OutboxMessage.subject)))
        assert subjects == set(self.written) and not subjects & set(self.rolled_back)

    @invariant()
    def admins_see_exactly_what_needs_them(self):
        held = {message.id for message in email.held_for_a_person()}
        needing = set(db.session.scalars(select(OutboxMessage.id).where(
            (OutboxMessage.status == OutboxStatus.FAILED)
            | ((OutboxMessage.status == OutboxStatus.SENDING)
               & (OutboxMessage.claimed_at < utcnow() - email.INTERRUPTED_AFTER)))))
        assert held == needing and email.interrupted_count() == len(
            [1 for message in email.held_for_a_person() if message.status == OutboxStatus.SENDING])

    @invariant()
    def the_batchs_progress_adds_up(self):
        batch = db.session.execute(select(OutboxMessage.status).where(OutboxMessage.job_id == self.job_id)).all()
        done = progress.progress_of([db.session.get(BackgroundJob, self.job_id)])[self.job_id]
        assert done.total == len(batch)
        assert done.sent == sum(status == OutboxStatus.SENT for status, in batch)
        assert done.failed == sum(status == OutboxStatus.FAILED for status, in batch)
        assert done.finished == all(status in (OutboxStatus.SENT, OutboxStatus.FAILED) for status, in batch)


def test_outbox_lifecycle(app, database_url):
    relaying = make_app(database_url, MAIL_BACKEND=FlakyRelay, MAIL_MAX_ATTEMPTS=MAX_ATTEMPTS)
    run_state_machine_as_test(lambda: OutboxLifecycle(relaying), settings=settings(
        max_examples=int(os.environ.get("MACHINE_EXAMPLES", 8)), stateful_step_count=30, deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate] if os.environ.get("MACHINE_NO_SHRINK") else list(Phase),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
