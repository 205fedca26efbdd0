"""Every email about an event carries the event's contact address as its
Reply-To: a reply to the no-reply sender reaches whoever the event names
for questions, and an event with another contact sends its emails with that one."""
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.database import utcnow, write_lock
from core.extensions import db
from core.models import OutboxMessage
from events.forms import EventForm
from events.models import EventStatus, RegistrationStatus
from events.services.invitations import invite
from events.services.programme import SessionDetails, delete_session, join_session, leave_session, save_session
from events.services.registration import cancel_registration, confirm_guest_email, register
from events.services.reminders import send_reminders
from events.services.scheduling import EventDetails, postpone_event, update_event
from events.services.waiting_list import expire_offers
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory

CONTACT = "fair@example.org"


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def replies_by_subject() -> dict[str, set[str | None]]:
    found: dict[str, set[str | None]] = {}
    for subject, reply_to in db.session.execute(select(OutboxMessage.subject, OutboxMessage.reply_to)):
        found.setdefault(subject.split(":")[0], set()).add(reply_to)
    return found


def test_every_email_about_a_place_replies_to_the_events_contact(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = EventFactory(title="Summer fair", capacity=1, contact_email=CONTACT, instant_guest_places=False,
                         organisers=[organiser])
    pending = register(event, name="Ann", email="ann@example.org")         # confirm your place
    register(event, name="Ann", email="ann@example.org")                   # ...sent again
    confirm_guest_email(pending)                                           # you're booked
    register(event, name="Ann", email="ann@example.org")                   # you have already registered
    waiting = register(event, name="Bo", email="bo@example.org")           # you're on the waiting list
    waiting = confirm_guest_email(waiting)
    assert waiting.status == RegistrationStatus.WAITLISTED
    cancel_registration(pending, actor=None, by_its_holder=True)           # cancelled; a place is free for Bo
    db.session.commit()  # expiring offers is a job that runs in transactions of its own
    expire_offers(now=utcnow() + timedelta(days=5))                        # the offer has passed on
    invite(event, [("Cy", "cy@example.org")], actor=organiser)             # you're invited
    assert set(replies_by_subject()) == {"Confirm your place", "You're booked", "You have already registered",
                                         "You're on the waiting list", "Cancelled", "A place is free",
                                         "Your offered place has passed on", "You're invited"}
    assert set().union(*replies_by_subject().values()) == {CONTACT}


def test_reminders_changes_and_postponement_reply_to_the_events_contact(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = EventFactory(title="Summer fair", contact_email=CONTACT, organisers=[organiser],
                         starts_at=utcnow() + timedelta(hours=20))
    RegistrationFactory(event=event, email="ann@example.org")
    send_reminders(within=timedelta(days=1))
    details = EventDetails(title=event.title, summary=event.summary, kind=event.kind, audience=event.audience,
                           starts_at=event.starts_at, ends_at=event.ends_at, venue_id=event.venue_id,
                           contact_email=CONTACT, capacity=event.capacity)
    update_event(event, replace(details, starts_at=event.starts_at + timedelta(hours=1)), actor=organiser)
    postpone_event(event, actor=organiser, reason="The hall flooded.")
    assert event.status == EventStatus.POSTPONED
    assert replies_by_subject() == {"Reminder": {CONTACT}, "Changed": {CONTACT}, "Postponed": {CONTACT}}


def test_emails_about_sessions_reply_to_the_events_contact(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = EventFactory(title="Summer fair", contact_email=CONTACT, organisers=[organiser])
    first, second = (RegistrationFactory(event=event, email=f"{name}@example.org") for name in ("ann", "bo"))
    pottery = save_session(event, None, SessionDetails(title="Pottery", starts_at=event.starts_at,
                                                       ends_at=event.starts_at + timedelta(hours=1), capacity=1),
                           actor=organiser)
    join_session(first, pottery)
    join_session(second, pottery)                                          # waiting
    leave_session(first, pottery)                                          # you have a place
    delete_session(pottery, actor=organiser)                               # session cancelled
    assert replies_by_subject() == {"You have a place": {CONTACT}, "Session cancelled": {CONTACT}}


def test_the_event_forms_hint_says_where_replies_go(app):
    with app.test_request_context():
        assert "Replies to the event's emails go here" in EventForm().contact_email.description
