"""The email outbox: written with its cause, sent after commit, retried with
backoff through an SMTP outage, and never sent twice."""
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from core import email
from core.database import utcnow
from core.extensions import db
from core.models import OutboxMessage, OutboxStatus
from tests.conftest import make_app, submit
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
    assert response.status_code == 302  # the person is not held up by the outage
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
        message = email.queue_email(to="a@example.org", subject="Hi", template="password_changed",
                                    user=type("U", (), {"name": "A"})())
        db.session.commit()
        assert email._claim(message.id)["recipient"] == "a@example.org"
        assert email._claim(message.id) is None  # a second sender loses the race
        assert email.deliver_due().sent == 0
        assert inbox.messages == []
        # Interrupted mid-send: reported for a person to check, never re-sent.
        db.session.execute(update(OutboxMessage).values(claimed_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
    result = up.test_cli_runner().invoke(args=["send-mail"])
    assert "1 message(s) were interrupted" in result.output and inbox.messages == []
