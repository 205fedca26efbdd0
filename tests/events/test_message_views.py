"""An organiser writes to an event's people through the pages: the preview
shows the email and the counts and sends nothing; a mistake keeps what was
typed; Send goes once and leads to its progress; the event's history lists
it. A recipient's unsubscribe link: opening changes nothing, the button or
a mail client's one-click POST stops the emails, and the account page turns
them back on."""
from html import unescape

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from core.accounts.models import User
from core.extensions import db
from core.models import OutboxMessage, Unsubscribe
from events.models import EventMessage, Registration, RegistrationStatus
from tests.conftest import error_summary, preview_form, sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def world(app, make_user):
    organiser = make_user(roles=["organiser"])
    member = make_user(email="member@example.org")
    with app.app_context():
        event = EventFactory(title="Summer fair", organisers=[db.session.get(User, organiser.id)],
                             contact_email="fair@example.org")
        RegistrationFactory(event=event, name="Keen", email="keen@example.org", contact_consent=True)
        RegistrationFactory(event=event, name="Quiet", email="quiet@example.org")
        RegistrationFactory(event=event, user=db.session.get(User, member.id), name="Mo", email=member.email,
                            contact_consent=True)
        RegistrationFactory(event=event, name="Wait", email="wait@example.org", contact_consent=True,
                            status=RegistrationStatus.WAITLISTED)
        event_id = event.id
    client = app.test_client()
    sign_in(client, organiser)
    return client, event_id, member


def outbox_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_the_preview_shows_the_email_and_who_gets_it_and_sends_nothing(app, world):
    client, event_id, _member = world
    preview = submit(client, f"/manage/events/{event_id}/messages/new",
                     {"subject": "Next year", "body": "Save the date.\n\nIt is in June.", "audiences": ["booked"],
                      "essential": "no"})
    page = text_of(preview)
    assert "2 people get this email." in page and "Booked: 2" in page
    assert "1 person: did not agree to hear from the partnership" in page
    assert "Summer fair: Next year" in page and "Save the date." in page and "It is in June." in page
    assert "(a link to stop these emails)" in page and "<strong>Reply to:</strong> fair@example.org" in page
    assert outbox_count(app) == 0
    _send_url, fields = preview_form(preview)
    changed = client.post(f"/manage/events/{event_id}/messages/new", data=MultiDict(fields + [("change", "1")]))
    assert 'value="Next year"' in text_of(changed) and "It is in June." in text_of(changed)


def test_a_mistake_keeps_what_was_typed(app, world):
    client, event_id, _member = world
    page = submit(client, f"/manage/events/{event_id}/messages/new",
                  {"subject": "Room change", "body": "We are in room 2.", "essential": "yes"})
    assert ("#audiences", "Choose who to send the message to") in [(href[-10:], m) for href, m in error_summary(page)]
    assert 'value="Room change"' in text_of(page) and "We are in room 2." in text_of(page)
    came = submit(client, f"/manage/events/{event_id}/messages/new",
                  {"subject": "Thanks", "body": "Thank you for coming.", "audiences": ["came"], "essential": "no"})
    assert "once the event has started" in text_of(came) and "Thank you for coming." in text_of(came)
    assert outbox_count(app) == 0


def test_send_goes_once_shows_its_progress_and_is_kept_in_the_events_history(app, world):
    client, event_id, _member = world
    preview = submit(client, f"/manage/events/{event_id}/messages/new",
                     {"subject": "Room change", "body": "We are in room 2.", "audiences": ["booked", "waiting"],
                      "essential": "yes"})
    send_url, fields = preview_form(preview)
    sent = client.post(send_url, data=MultiDict(fields), follow_redirects=True)
    assert "on its way to 4 people" in text_of(sent) and "4 of 4 emails sent." in text_of(sent)
    again = client.post(send_url, data=MultiDict(fields), follow_redirects=True)  # a double click, another tab
    assert "sent already, so it was not sent again" in text_of(again)
    assert outbox_count(app) == 4
    history = text_of(client.get(f"/manage/events/{event_id}"))
    assert "Room change" in history and "Booked, On the waiting list" in history
    with app.app_context():
        message_id = db.session.scalar(select(EventMessage.id))
    page = text_of(client.get(f"/manage/events/{event_id}/messages/{message_id}"))
    assert "We are in room 2." in page and "4 of 4 emails sent." in page


def test_a_recipient_unsubscribes_from_the_link_and_turns_it_back_on_from_their_account(app, world):
    client, event_id, member = world
    send_url, fields = preview_form(submit(client, f"/manage/events/{event_id}/messages/new", {
        "subject": "News", "body": "A new event.", "audiences": ["booked"], "essential": "no"}))
    client.post(send_url, data=MultiDict(fields))
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == member.email))
    link = "/unsubscribe/" + body.split("/unsubscribe/")[1].split()[0]
    reader = app.test_client()
    opened = text_of(reader.get(link))
    assert "Stop sending messages from the partnership" in opened
    # Whoever holds the link (forwarded, kept in a log) is not told whose address it is.
    assert f"{member.email[0]}•••@{member.email.split('@')[1]}" in opened and member.email not in opened
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Unsubscribe)) == 0
    done = reader.post(link, follow_redirects=True)  # the page's button: no form token needed
    assert "We will no longer send messages from the partnership" in text_of(done)
    assert member.email not in text_of(done)
    again = reader.post(link, follow_redirects=True)  # the link used again
    assert "was already stopped" in text_of(again)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Unsubscribe)) == 1
        assert db.session.scalar(select(Registration.contact_consent)
                                 .where(Registration.email == member.email)) is False
    assert reader.post(link[:-2] + "xx").status_code == 400

    mine = app.test_client()
    sign_in(mine, member)
    account = text_of(mine.get("/account"))
    assert "You stopped messages from the partnership" in account
    turned_on = submit(mine, "/account/emails/turn-on", {"scope": "partnership"}, form_url="/account",
                       follow_redirects=True)
    assert "You will get messages from the partnership" in text_of(turned_on)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Unsubscribe)) == 0
        assert db.session.scalar(select(Registration.contact_consent)
                                 .where(Registration.email == member.email)) is True


def test_a_mail_clients_one_click_post_unsubscribes_without_a_form_token(app, world):
    client, event_id, _member = world
    send_url, fields = preview_form(submit(client, f"/manage/events/{event_id}/messages/new", {
        "subject": "News", "body": "A new event.", "audiences": ["booked"], "essential": "no"}))
    client.post(send_url, data=MultiDict(fields))
    with app.app_context():
        headers = db.session.scalar(select(OutboxMessage.headers).where(OutboxMessage.recipient == "keen@example.org"))
    link = headers["List-Unsubscribe"].strip("<>").split("localhost", 1)[1]
    response = app.test_client().post(link, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "We will no longer send" in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Unsubscribe)) == 1


def test_sending_is_limited_per_account_and_per_event_with_a_clear_message(app, world):
    client, event_id, _member = world
    app.config["MESSAGES_PER_DAY"], app.config["BULK_EMAIL_LIMIT_PER_ACCOUNT"] = 1, "2 per hour"
    form = {"subject": "Room change", "body": "We are in room 2.", "audiences": ["booked"], "essential": "yes"}
    url = f"/manage/events/{event_id}/messages/new"
    first_url, first = preview_form(submit(client, url, form))
    assert client.post(first_url, data=MultiDict(first)).status_code == 302
    send_url, fields = preview_form(submit(client, url, {**form, "subject": "Another"}))
    refused = client.post(send_url, data=MultiDict(fields))
    assert refused.status_code == 200 and "1 messages in the last 24 hours, the most allowed" in text_of(refused)
    assert 'value="Another"' in text_of(refused) and outbox_count(app) == 3

    app.config["MESSAGES_PER_DAY"] = 100
    assert client.post(send_url, data=MultiDict(fields)).status_code == 302  # a refusal cost nothing
    third_url, third = preview_form(submit(client, url, {**form, "subject": "A third"}))
    assert client.post(third_url, data=MultiDict(third)).status_code == 429  # the account's two sends have gone


def test_send_refuses_a_message_that_was_not_previewed_as_it_is(app, world):
    client, event_id, _member = world
    preview = submit(client, f"/manage/events/{event_id}/messages/new",
                     {"subject": "Room change", "body": "We are in room 2.", "audiences": ["booked"],
                      "essential": "yes"})
    send_url, fields = preview_form(preview)
    made_up = [(name, "made-up" if name == "draft" else value) for name, value in fields]
    changed = [(name, "We are in room 9." if name == "body" else value) for name, value in fields]
    for attempt in (made_up, changed, [pair for pair in fields if pair[0] != "draft"]):
        page = client.post(send_url, data=MultiDict(attempt))
        assert page.status_code == 200 and "has not been previewed as it is now" in text_of(page)
    with app.app_context():
        other_id = EventFactory(organisers=[db.session.scalar(select(User).where(User.email != "member@example.org"))]).id
        db.session.commit()
    foreign = client.post(f"/manage/events/{other_id}/messages/send", data=MultiDict(fields))
    assert "has not been previewed as it is now" in text_of(foreign)
    assert outbox_count(app) == 0
    assert "on its way to 3 people" in text_of(client.post(send_url, data=MultiDict(fields), follow_redirects=True))
