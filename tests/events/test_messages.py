"""An organiser's messages to an event's people: who gets them (audiences,
consent, unsubscribed, essential or not), in which language, with which
headers, sent once per preview and no more than the day's limit; and the
unsubscribe link they carry (tampered, expired, used twice)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import drafts, unsubscribes
from core.database import utcnow, write_lock
from core.errors import InvalidLink
from core.extensions import db
from core.models import OutboxMessage
from events.models import Attendance, EventMessage, EventTranslation, MessageAudience, Registration, RegistrationStatus
from events.services import messages
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory

BOOKED, WAITING, CAME = MessageAudience.BOOKED, MessageAudience.WAITING, MessageAudience.CAME


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def emails_to(address):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id)).all()


def send(event, audiences, *, essential=False, draft=None, subject="Room change", body="We are in room 2.",
         actor=None):
    message = {"subject": subject, "body": body, "audiences": audiences, "essential": essential}
    return messages.send_message(event, **message, draft=draft or messages.new_draft(event, **message),
                                 actor=actor or UserFactory())


def people(event):
    """One of each: booked with consent, booked without, waiting, offered, cancelled, unconfirmed guest."""
    made = dict(
        keen=RegistrationFactory(event=event, name="Keen", email="keen@example.org", contact_consent=True),
        quiet=RegistrationFactory(event=event, name="Quiet", email="quiet@example.org"),
        waiting=RegistrationFactory(event=event, name="Wait", email="wait@example.org", contact_consent=True,
                                    status=RegistrationStatus.WAITLISTED),
        offered=RegistrationFactory(event=event, name="Offer", email="offer@example.org",
                                    status=RegistrationStatus.OFFERED),
        gone=RegistrationFactory(event=event, name="Gone", email="gone@example.org", contact_consent=True,
                                 status=RegistrationStatus.CANCELLED),
        unproven=RegistrationFactory(event=event, name="Pending", email="pending@example.org", contact_consent=True,
                                     status=RegistrationStatus.PENDING),
    )
    return made


def test_an_essential_message_reaches_everyone_chosen_and_a_non_essential_one_only_those_who_agreed(ctx):
    event = EventFactory(title="Summer fair", contact_email="fair@example.org")
    made = people(event)
    message, sent = send(event, [BOOKED, WAITING], essential=True)
    assert sent and message.recipients == 4 and message.audiences == [BOOKED, WAITING]
    for who in ("keen", "quiet", "waiting", "offered"):
        [email] = emails_to(made[who].email)
        assert email.subject == "Summer fair: Room change" and email.reply_to == "fair@example.org"
        assert "We are in room 2." in email.body and "/unsubscribe/" not in email.body and email.headers is None
    assert emails_to("gone@example.org") == emails_to("pending@example.org") == []
    assert "on the waiting list for Summer fair" in emails_to("wait@example.org")[0].body

    news, _sent = send(event, [BOOKED, WAITING], subject="Next year", body="Save the date.")
    assert news.recipients == 2  # keen and waiting agreed to hear from the partnership
    [email] = [e for e in emails_to("keen@example.org") if e.subject == "Summer fair: Next year"]
    assert unsubscribes.link("keen@example.org", "partnership") in email.body
    assert email.headers == {"List-Unsubscribe": f"<{unsubscribes.link('keen@example.org', 'partnership')}>",
                             "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert [e.subject for e in emails_to("quiet@example.org")] == ["Summer fair: Room change"]


def test_the_preview_counts_each_audience_and_who_is_left_out_and_why(ctx):
    event = EventFactory()
    made = people(event)
    unsubscribes.unsubscribe("wait@example.org", "partnership")
    found = messages.reach(event, [BOOKED, WAITING], essential=False)
    assert [r.registration.name for r in found.recipients] == ["Keen"]
    assert found.by_audience == {BOOKED: 1}
    assert found.left_out == {messages.NO_CONSENT: 2, messages.UNSUBSCRIBED: 1, messages.CANCELLED: 1}
    assert db.session.get(Registration, made["waiting"].id).contact_consent is False  # unsubscribing withdrew it
    essential = messages.reach(event, [WAITING], essential=True)
    assert essential.by_audience == {WAITING: 2} and essential.left_out == {messages.CANCELLED: 1}


def test_those_who_came_are_chosen_only_once_the_event_has_started_and_nobody_gets_two(ctx):
    event = EventFactory(starts_at=utcnow() + timedelta(days=1))
    came = RegistrationFactory(event=event, email="came@example.org")
    RegistrationFactory(event=event, email="Came@Example.org", user=UserFactory(email="came@example.org"))
    with pytest.raises(messages.MessageError) as refused:
        send(event, [CAME], essential=True)
    assert refused.value.field == "audiences" and "once the event has started" in refused.value.message
    event.starts_at, event.ends_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
    db.session.add(Attendance(event_id=event.id, registration_id=came.id))
    db.session.flush()
    message, _sent = send(event, [CAME, BOOKED], essential=True)
    assert message.recipients == 1  # one address, one email
    assert "because you came to" in emails_to("came@example.org")[0].body


def test_once_the_event_has_ended_no_message_about_it_is_essential(ctx):
    """Found by an attack: an organiser could call a thank-you with news "essential"
    after the event, reaching people who never agreed or had unsubscribed."""
    event = EventFactory(starts_at=utcnow() - timedelta(hours=3), ends_at=utcnow() - timedelta(hours=1))
    came = RegistrationFactory(event=event, email="came@example.org")
    db.session.add(Attendance(event_id=event.id, registration_id=came.id))
    db.session.flush()
    with pytest.raises(messages.MessageError) as refused:
        send(event, [CAME], essential=True, subject="Thank you", body="Recipes are on the event page.")
    assert refused.value.field == "essential" and "The event has ended" in refused.value.message
    message, _sent = send(event, [CAME], essential=False)
    assert message.recipients == 0 and emails_to("came@example.org") == []  # they did not agree


def test_each_email_is_in_its_recipients_language_and_the_organisers_text_as_written(ctx):
    event = EventFactory()
    RegistrationFactory(event=event, email="guest@example.org", language="pl")
    member = UserFactory(email="member@example.org", language="ur")
    RegistrationFactory(event=event, user=member, email=member.email, language="en")
    send(event, [BOOKED], essential=True, body="Bring a dish to share.")
    polish, urdu = emails_to("guest@example.org")[0].body, emails_to("member@example.org")[0].body
    assert polish.startswith("Dzień dobry") and "Bring a dish to share." in polish
    assert urdu.startswith("آداب") and "Bring a dish to share." in urdu


def test_the_events_own_title_in_the_recipients_language_names_it_in_the_subject_and_the_body(ctx):
    event = EventFactory(title="Big Lunch")
    db.session.add(EventTranslation(event_id=event.id, language="pl", title="Wielki Lunch"))
    RegistrationFactory(event=event, email="guest@example.org", language="pl")
    RegistrationFactory(event=event, email="other@example.org", language="en")
    send(event, [BOOKED], essential=True, subject="Room change")
    polish, english = emails_to("guest@example.org")[0], emails_to("other@example.org")[0]
    assert polish.subject == "Wielki Lunch: Room change" and "Wielki Lunch" in polish.body
    assert "Big Lunch" not in polish.body
    assert english.subject == "Big Lunch: Room change" and "Big Lunch" in english.body


def test_the_same_preview_sent_twice_sends_once(ctx):
    event = EventFactory()
    RegistrationFactory(event=event, email="one@example.org")
    draft = messages.new_draft(event, subject="Room change", body="We are in room 2.", audiences=[BOOKED],
                               essential=True)
    first, sent = send(event, [BOOKED], essential=True, draft=draft)
    again, sent_again = send(event, [BOOKED], essential=True, draft=draft)
    assert sent and not sent_again and again.id == first.id
    assert len(emails_to("one@example.org")) == 1
    assert db.session.scalar(select(db.func.count()).select_from(EventMessage)) == 1
    with pytest.raises(drafts.NotPreviewed, match="not been previewed"):  # a key from another event's preview
        send(EventFactory(), [BOOKED], essential=True, draft=draft)
    with pytest.raises(drafts.NotPreviewed, match="not been previewed"):  # a made-up key
        send(event, [BOOKED], essential=True, draft="the-draft")


def test_no_more_than_the_days_limit_of_messages_per_event(ctx, app):
    app.config["MESSAGES_PER_DAY"] = 2
    event = EventFactory()
    send(event, [BOOKED], essential=True)
    send(event, [BOOKED], essential=True)
    with pytest.raises(messages.MessageError) as refused:
        send(event, [BOOKED], essential=True)
    assert "2 messages in the last 24 hours" in refused.value.message
    send(EventFactory(), [BOOKED], essential=True)  # another event's people are counted apart


def test_an_unsubscribe_link_that_was_altered_or_has_expired_does_nothing(ctx, app):
    token = unsubscribes.token("keen@example.org", "partnership")
    assert unsubscribes.read(token).email == "keen@example.org"
    with pytest.raises(InvalidLink, match="not valid"):
        unsubscribes.read(token[:-3] + "abc")
    old = unsubscribes.token("keen@example.org", "partnership",
                             on=(utcnow() - timedelta(days=app.config["UNSUBSCRIBE_LINK_DAYS"] + 1)).date())
    with pytest.raises(InvalidLink, match="expired"):
        unsubscribes.read(old)
    assert unsubscribes.scopes_stopped("keen@example.org") == []


def test_unsubscribing_twice_is_one_record_and_turning_back_on_restores_the_accounts_consent(ctx):
    event = EventFactory()
    member = UserFactory(email="member@example.org")
    booking = RegistrationFactory(event=event, user=member, email=member.email, contact_consent=True)
    assert unsubscribes.unsubscribe("Member@example.org", "partnership") is True
    assert unsubscribes.unsubscribe("member@example.org", "partnership") is False  # the link used again
    assert unsubscribes.scopes_stopped("member@example.org") == ["partnership"]
    assert booking.contact_consent is False
    assert send(event, [BOOKED])[0].recipients == 0
    assert unsubscribes.resubscribe(member.email, "partnership", user=member) is True
    assert booking.contact_consent is True and send(event, [BOOKED])[0].recipients == 1


def test_erasing_the_account_does_not_start_the_messages_again(ctx):
    from core.privacy.erasure import erase
    event = EventFactory()
    member = UserFactory(email="leaving@example.org")
    unsubscribes.unsubscribe(member.email, "partnership")
    erase(member)
    db.session.flush()
    assert unsubscribes.is_unsubscribed("leaving@example.org", "partnership")  # kept as a hash, not the address
    RegistrationFactory(event=event, email="leaving@example.org", contact_consent=True)  # books again as a guest
    assert messages.reach(event, [BOOKED], essential=False).left_out == {messages.UNSUBSCRIBED: 1}
