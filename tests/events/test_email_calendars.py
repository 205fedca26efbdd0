"""Emails about a booked place carry the calendar entry, so calendars follow:
a change or postponement sends the entry again (METHOD:REQUEST, SEQUENCE
raised), a cancellation removes it (METHOD:CANCEL, STATUS:CANCELLED), always
with the UID of the booking email's file. A person who gives up their own
place is told it worked."""
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from core.database import utcnow, write_lock
from core.extensions import db
from core.models import OutboxMessage
from events.services.registration import cancel_registration, register
from events.services.scheduling import EventDetails, cancel_event, create_event, postpone_event, publish, update_event
from events.models import EventKind, RegistrationStatus
from tests.events.factories import EventFactory, VenueFactory
from tests.factories import UserFactory


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def mail_to(address) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                                   .order_by(OutboxMessage.id)))


def entry_of(message: OutboxMessage):
    [attachment] = message.attachments
    calendar = Calendar.from_ical(attachment["content"])
    [entry] = calendar.walk("VEVENT")
    return attachment, calendar, entry


def guest(event, n):
    return register(event, name=f"Guest {n}", email=f"guest{n}@example.org")


def published_event(organiser, capacity=1):
    start = utcnow() + timedelta(days=10)
    event = create_event(EventDetails(
        title="Interfaith walk", summary="A walk", kind=EventKind.COMMUNITY_EVENT, starts_at=start,
        ends_at=start + timedelta(hours=3), contact_email="walks@example.org", venue_id=VenueFactory().id,
        capacity=capacity, instant_guest_places=True), actor=organiser)
    publish(event, actor=organiser)
    return event


def test_a_change_of_time_sends_the_booked_the_updated_entry_with_the_same_uid(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = published_event(organiser)
    guest(event, 1), guest(event, 2)
    [booking] = mail_to("guest1@example.org")
    _, _, booked_entry = entry_of(booking)
    later = (event.starts_at + timedelta(days=1)).replace(microsecond=0)
    update_event(event, EventDetails(
        title=event.title, summary=event.summary, kind=event.kind, starts_at=later, ends_at=later + timedelta(hours=3),
        contact_email=event.contact_email, venue_id=event.venue_id, capacity=1, instant_guest_places=True),
        actor=organiser)
    changed = mail_to("guest1@example.org")[-1]
    attachment, calendar, entry = entry_of(changed)
    assert attachment["content_type"] == "text/calendar; method=REQUEST"
    assert str(calendar["method"]) == "REQUEST"
    assert entry["uid"] == booked_entry["uid"] == f"event-{event.id}@localhost"
    assert entry["sequence"] > booked_entry["sequence"]
    assert entry.decoded("dtstart") == later and str(entry["status"]) == "CONFIRMED"
    assert str(entry["attendee"]) == "mailto:guest1@example.org"
    assert "calendar file attached updates the entry" in changed.body
    [waiting] = mail_to("guest2@example.org")[-1:]  # on the waiting list: told, with nothing for a calendar
    assert waiting.subject == f"Changed: {event.title}" and waiting.attachments == []
    assert "calendar file" not in waiting.body


def test_postponing_sends_the_entry_again_as_tentative_with_a_higher_sequence(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = published_event(organiser)
    guest(event, 1)
    _, _, booked_entry = entry_of(mail_to("guest1@example.org")[0])
    postpone_event(event, actor=organiser, reason="The hall has flooded.")
    postponed = mail_to("guest1@example.org")[-1]
    _, calendar, entry = entry_of(postponed)
    assert str(calendar["method"]) == "REQUEST" and str(entry["status"]) == "TENTATIVE"
    assert entry["uid"] == booked_entry["uid"] and entry["sequence"] > booked_entry["sequence"]
    assert str(entry["description"]).startswith("Postponed: a new date will follow.")


def test_cancelling_the_event_removes_it_from_calendars(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = published_event(organiser)
    guest(event, 1)
    _, _, booked_entry = entry_of(mail_to("guest1@example.org")[0])
    cancel_event(event, actor=organiser, reason="The hall has flooded.")
    cancelled = mail_to("guest1@example.org")[-1]
    attachment, calendar, entry = entry_of(cancelled)
    assert attachment["content_type"] == "text/calendar; method=CANCEL"
    assert str(calendar["method"]) == "CANCEL" and str(entry["status"]) == "CANCELLED"
    assert entry["uid"] == booked_entry["uid"] and entry["sequence"] > booked_entry["sequence"]
    assert "takes it out of your calendar" in cancelled.body


def test_a_member_cancelling_their_own_place_is_told_and_their_calendar_entry_removed(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = published_event(organiser)
    member = UserFactory()
    registration = register(event, user=member)
    _, _, booked_entry = entry_of(mail_to(member.email)[0])
    cancel_registration(registration, actor=member)
    confirmation = mail_to(member.email)[-1]
    assert confirmation.subject == f"Cancelled: your place at {event.title}"
    assert f"Your place at {event.title} has been cancelled." in confirmation.body
    _, calendar, entry = entry_of(confirmation)
    assert str(calendar["method"]) == "CANCEL" and str(entry["status"]) == "CANCELLED"
    assert entry["uid"] == booked_entry["uid"]


def test_a_guest_leaving_the_waiting_list_by_their_link_is_told_with_no_calendar_file(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = published_event(organiser)
    guest(event, 1)
    waiting = guest(event, 2)
    assert waiting.status == RegistrationStatus.WAITLISTED
    cancel_registration(waiting, actor=None)
    told = mail_to("guest2@example.org")[-1]
    assert told.subject == f"You have left the waiting list: {event.title}" and told.attachments == []


def test_nobody_is_emailed_a_confirmation_for_a_place_someone_else_cancelled(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = published_event(organiser)
    member = UserFactory()
    registration = register(event, user=member)
    cancel_registration(registration, actor=organiser)
    assert [m.subject for m in mail_to(member.email)] == [f"You're booked: {event.title}"]
    other = register(EventFactory(), user=UserFactory())
    cancel_registration(other, actor=None)  # an erasure, a membership ending: told another way
    assert len(mail_to(other.email)) == 1


def test_the_sent_email_carries_the_file_as_an_itip_calendar_part(app, outbox):
    from core.email import deliver_due
    with app.test_request_context():
        with write_lock(every_transaction=True):
            organiser = UserFactory(roles=["organiser"])
            event = published_event(organiser)
            guest(event, 1)
            cancel_event(event, actor=organiser, reason="The hall has flooded.")
            event_id, title = event.id, event.title
            db.session.commit()
        deliver_due()
        [sent] = [message for message in outbox if message.subject == f"Cancelled: {title}"]
        [part] = [part for part in sent.message().walk() if part.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "CANCEL" and part.get_filename() == f"event-{event_id}.ics"
    assert "METHOD:CANCEL" in part.get_payload(decode=True).decode()
