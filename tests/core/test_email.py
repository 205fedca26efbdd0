"""The email outbox: written with its cause, sent after commit, retried with
backoff through an SMTP outage, and never sent twice."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from core import email
from core.database import utcnow
from core.extensions import db
from core.models import OutboxMessage, OutboxStatus
from forums.models import ForumCoordinator, Membership, MembershipStatus
from tests.awards.test_views import a_category, answers
from tests.conftest import make_app, sign_in, submit
from tests.events.factories import EventFactory
from tests.factories import PASSWORD, UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory
from tests.live_server import free_port


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def smtp_app(database_url, port):
    return make_app(database_url, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)


def outbox_rows(app):
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_message_exists_only_if_its_transaction_commits(app):
    with app.test_request_context():
        email.queue_email(to="a@example.org", subject="Hello", template="password_changed",
                          user=type("U", (), {"name": "A"})())
        db.session.rollback()
        assert db.session.scalar(select(OutboxMessage)) is None


def test_sign_up_mail_goes_through_a_real_smtp_server(app, database_url, smtp_server):
    controller, inbox = smtp_server
    smtp = smtp_app(database_url, controller.port)
    client = smtp.test_client()
    submit(client, "/sign-up", {"name": "Grace", "email": "grace@example.org", "password": "lantern orchard velvet"})
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["grace@example.org"]
    content = envelope.content.decode()
    assert "Subject: Confirm your email address" in content and "/confirm-email/" in content
    [row] = outbox_rows(app)
    assert row.status == OutboxStatus.SENT and row.sent_at is not None


def test_an_smtp_outage_loses_nothing_and_send_mail_delivers_later_once(app, database_url, smtp_server):
    controller, inbox = smtp_server
    down = smtp_app(database_url, free_port())  # nothing listens there
    response = submit(down.test_client(), "/sign-up",
                      {"name": "Grace", "email": "grace@example.org", "password": "lantern orchard velvet"})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)  # not held up
    [row] = outbox_rows(app)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > utcnow()

    up = smtp_app(database_url, controller.port)
    runner = up.test_cli_runner()
    early = runner.invoke(args=["send-mail"])
    assert "Sent 0" in early.output and inbox.messages == []  # backing off

    with up.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert "Sent 1" in runner.invoke(args=["send-mail"]).output
    assert "Sent 0" in runner.invoke(args=["send-mail"]).output
    assert len(inbox.messages) == 1


def test_backoff_doubles_and_gives_up_after_the_limit(app, database_url):
    down = smtp_app(database_url, free_port())
    down.config["MAIL_MAX_ATTEMPTS"] = 3
    with down.test_request_context():
        email.queue_email(to="a@example.org", subject="Hi", template="password_changed",
                          user=type("U", (), {"name": "A"})())
        db.session.commit()
        delays = []
        for _ in range(3):
            db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
            db.session.commit()
            before = utcnow()
            email.deliver_due()
            message = db.session.scalar(select(OutboxMessage))
            delays.append(round((message.next_attempt_at - before).total_seconds() / 60))
        assert delays[:2] == [1, 2]
        assert message.status == OutboxStatus.FAILED and message.attempts == 3
    assert email.backoff(20) == email.MAX_BACKOFF


def test_a_claimed_message_is_not_sent_by_a_second_sender(app, smtp_server, database_url):
    controller, inbox = smtp_server
    up = smtp_app(database_url, controller.port)
    with up.test_request_context():
        email.queue_email(to="a@example.org", subject="Hi", template="password_changed",
                          user=type("U", (), {"name": "A"})())
        db.session.commit()
        assert email._claim_next()["recipient"] == "a@example.org"
        assert email._claim_next() is None  # a second sender finds nothing left to claim
        assert email.deliver_due().sent == 0
        assert inbox.messages == []
        # Interrupted mid-send: reported for a person to check, never re-sent.
        db.session.execute(update(OutboxMessage).values(claimed_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
    result = up.test_cli_runner().invoke(args=["send-mail"])
    assert "1 message(s) were interrupted" in result.output and inbox.messages == []


def test_with_the_mail_server_down_registering_nominating_and_approving_still_work(app, database_url, smtp_server):
    down = smtp_app(database_url, free_port())  # nothing listens there
    with down.app_context():
        event_id = EventFactory(capacity=5).id
        coordinator, applicant = UserFactory(email="coordinator@example.org"), UserFactory()
        forum = ForumFactory()
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        membership = MembershipFactory(forum=forum, user=applicant, status=MembershipStatus.APPLIED)
        forum_id, membership_id = forum.id, membership.id
    category_id, question_ids = a_category(down)

    guest = down.test_client()
    registered = submit(guest, f"/events/{event_id}/register", {"name": "Hana", "email": "hana@example.org"})
    assert "Check your email" in registered.get_data(as_text=True)  # a guest's page, booked or not
    nominated = submit(guest, f"/awards/categories/{category_id}/nominate", {
        "nominator_name": "Pat", "nominator_email": "pat@example.org", "nominating": "other",
        "relationship": "Neighbour", "nominee_name": "Amira Hussain", "nominee_area": "Corby",
        "nominee_knows": "yes", "data_consent": "y", **answers(question_ids)}, follow_redirects=True)
    assert "Check your email" in nominated.get_data(as_text=True)
    coordinating = down.test_client()
    sign_in(coordinating, SimpleNamespace(email="coordinator@example.org", password=PASSWORD))
    page = f"/forums/{forum_id}/manage/memberships/{membership_id}"
    assert submit(coordinating, page, {"action": "approve", "role": "member"}).status_code == 302
    with down.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.ACTIVE

    waiting = outbox_rows(app)
    assert {row.recipient for row in waiting} >= {"hana@example.org", "pat@example.org"}
    assert all(row.status == OutboxStatus.PENDING and row.last_error for row in waiting)
    controller, inbox = smtp_server
    up = smtp_app(database_url, controller.port)
    with up.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert f"Sent {len(waiting)}" in up.test_cli_runner().invoke(args=["send-mail"]).output
    assert len(inbox.messages) == len(waiting) and all(row.status == OutboxStatus.SENT for row in outbox_rows(app))
