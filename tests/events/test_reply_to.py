"""Every email about an event carries the event's contact address as its
Reply-To: a reply to the no-reply sender reaches whoever the event names
for questions, and an event with another contact sends its emails with that one."""
from dataclasses import replace
from datetime import date, timedelta

import pytest
from markupsafe import escape
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
from events.services.errors import EventRuleBroken
from events.services.scheduling import EventDetails, create_event, postpone_event, update_event
from events.services.waiting_list import expire_offers
from forums.models import ForumKind
from tests.conftest import error_summary, sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory, VenueFactory
from tests.events.test_views import event_form
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory

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


# --- the contact address itself --------------------------------------------------------------------

@pytest.mark.parametrize("typed, where", [
    ("x?cc=victim%40evil.example&subject=hi@example.org", "before the @"),  # valid RFC 5322: adds a copy
    ("rené@exämple.org", "before the @"),  # sent as Reply-To: =?utf-8?b?cmVuw6k=?=@xn--exmple-cua.org
    ("rene@exämple.org", "after the @"),
])
def test_an_event_contact_nobody_could_safely_click_or_reply_to_is_refused_and_kept(app, make_user, typed, where):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        venue_id = VenueFactory().id
    browser = app.test_client()
    sign_in(browser, organiser)
    refused = submit(browser, "/manage/events/new", event_form(venue_id, contact_email=typed))
    [(link, message)] = error_summary(refused)
    assert refused.status_code == 200 and link == "#contact_email"
    assert message.startswith("Enter an email address with only the letters a to z, numbers") and where in message
    assert f'value="{escape(typed)}"' in refused.get_data(as_text=True)
    assert submit(browser, "/manage/events/new", event_form(venue_id, contact_email="Fair-2027+q@Example.org")
                  ).status_code == 302


def test_the_events_mailto_link_cannot_add_a_copy_or_a_subject_whatever_is_stored(app):
    with app.app_context():
        event_id = EventFactory(contact_email="x?cc=victim%40evil.example&subject=hi@example.org").id
    page = app.test_client().get(f"/events/{event_id}").get_data(as_text=True)
    assert 'href="mailto:x%3Fcc%3Dvictim%2540evil.example%26subject%3Dhi@example.org"' in page
    assert "mailto:x?cc" not in page


def a_young_and_an_adult_member():
    forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=18)
    young = MembershipFactory(forum=forum, date_of_birth=date.today() - timedelta(days=15 * 366)).user
    adult = MembershipFactory(forum=forum, date_of_birth=date.today() - timedelta(days=30 * 366)).user
    return young, adult


PRIVATE_CONTACT = ("This address cannot be a public contact. Use your own, your organisation's or the partnership's "
                   "address.")


def test_a_young_members_address_cannot_be_an_events_public_contact(ctx):
    """The gate would not show it to a visitor, so it cannot be the mailto:
    on the event's page and the Reply-To of its emails; the refusal does not
    say whose it is."""
    young, adult = a_young_and_an_adult_member()
    organiser = UserFactory(roles=["organiser"])
    event = EventFactory(contact_email=CONTACT, organisers=[organiser])
    details = EventDetails(title="Summer fair", summary="Fun", kind=event.kind, starts_at=event.starts_at,
                           ends_at=event.ends_at, venue_id=event.venue_id, contact_email=young.email.upper())
    for save in (lambda: create_event(details, actor=organiser), lambda: update_event(event, details, actor=organiser)):
        with pytest.raises(EventRuleBroken) as refused:
            save()
        assert (refused.value.field, refused.value.message) == ("contact_email", PRIVATE_CONTACT)
    update_event(event, replace(details, contact_email=adult.email), actor=organiser)
    assert event.contact_email == adult.email


def test_the_event_form_refuses_a_young_members_address_beside_the_field(app, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        young, _ = a_young_and_an_adult_member()
        venue_id, young_email = VenueFactory().id, young.email
        db.session.commit()
    browser = app.test_client()
    sign_in(browser, organiser)
    refused = submit(browser, "/manage/events/new", event_form(venue_id, contact_email=young_email))
    assert refused.status_code == 200 and error_summary(refused) == [("#contact_email", PRIVATE_CONTACT)]
    assert f'value="{young_email}"' in refused.get_data(as_text=True)
