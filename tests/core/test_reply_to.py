"""Reply-To: account and security emails carry none, and the header an
email that invites a reply is queued with arrives through a real SMTP server."""
from sqlalchemy import select

from core.accounts import services
from core.database import write_lock
from core.extensions import db
from core.models import OutboxMessage
from tests.conftest import submit
from tests.core.test_email import smtp_app, smtp_server  # noqa: F401 (smtp_server is a fixture)
from tests.events.factories import EventFactory
from tests.factories import PASSWORD, UserFactory


def test_account_and_security_emails_carry_no_reply_to(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        user = UserFactory(email="ann@example.org")
        services.send_email_confirmation(user, "ann.new@example.org")
        services.tell_owner_address_has_an_account(user, changing=False)
        services.request_password_reset(user.email)
        services.change_password(actor=user, current_password=PASSWORD, new_password="lantern orchard velvet")
        sent = db.session.execute(select(OutboxMessage.subject, OutboxMessage.reply_to)).all()
    assert {subject for subject, _ in sent} == {"Confirm your new email address", "Reset your password",
                                                "An account already uses this email address",
                                                "Your password has been changed"}
    assert {reply_to for _, reply_to in sent} == {None}


def test_the_reply_to_header_arrives_through_a_real_smtp_server(app, database_url, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    smtp = smtp_app(database_url, controller.port)
    with smtp.app_context():
        event_id = EventFactory(title="Summer fair", contact_email="fair@example.org").id
    guest = smtp.test_client()
    submit(guest, f"/events/{event_id}/register", {"name": "Hana", "email": "hana@example.org"})
    submit(guest, "/sign-up", {"name": "Grace", "email": "grace@example.org", "password": "lantern orchard velvet"})
    booked, signed_up = (envelope.content.decode().replace("\r\n", "\n") for envelope in inbox.messages)
    assert "Subject: You're booked: Summer fair" in booked and "\nReply-To: fair@example.org\n" in booked
    assert "Subject: Confirm your email address" in signed_up and "Reply-To" not in signed_up
