"""Cron commands for events."""
from datetime import timedelta

from sqlalchemy import select

from core.database import utcnow
from core.extensions import db
from events.models import Registration, RegistrationStatus
from tests.events.factories import EventFactory, RegistrationFactory


def test_expire_offers_passes_lapsed_offers_on_and_is_safe_to_repeat(app):
    with app.app_context():
        event = EventFactory(capacity=1)
        RegistrationFactory(event=event, email="late@example.org", status=RegistrationStatus.OFFERED,
                            confirmed_at=None, offer_expires_at=utcnow() - timedelta(minutes=5))
        RegistrationFactory(event=event, email="next@example.org", status=RegistrationStatus.WAITLISTED,
                            confirmed_at=None, waitlisted_at=utcnow())
    runner = app.test_cli_runner()
    assert "Passed on 1 lapsed offer(s)." in runner.invoke(args=["expire-offers"]).output
    assert "Passed on 0 lapsed offer(s)." in runner.invoke(args=["expire-offers"]).output
    with app.app_context():
        statuses = dict(db.session.execute(select(Registration.email, Registration.status)).all())
    assert statuses == {"late@example.org": RegistrationStatus.CANCELLED, "next@example.org": RegistrationStatus.OFFERED}


def test_send_reminders_reminds_each_booked_person_once(app, outbox):
    with app.app_context():
        soon = EventFactory(title="Soon", starts_at=utcnow() + timedelta(hours=30))
        later = EventFactory(starts_at=utcnow() + timedelta(days=5))
        RegistrationFactory(event=soon, email="booked@example.org")
        RegistrationFactory(event=soon, email="waiting@example.org", status=RegistrationStatus.WAITLISTED,
                            confirmed_at=None)
        RegistrationFactory(event=later, email="later@example.org")
    runner = app.test_cli_runner()
    assert "Queued 1 reminder(s)" in runner.invoke(args=["send-reminders"]).output
    assert "Queued 0 reminder(s)" in runner.invoke(args=["send-reminders"]).output
    runner.invoke(args=["send-mail"])
    assert [(m.to, m.subject) for m in outbox] == [(["booked@example.org"], "Reminder: Soon")]
