"""Each page says what each status means: every branch a template takes on
an event's or a registration's status, audience or kind is drawn here once
(a comparison that could never be true would leave its words off the page)."""
import re
from datetime import timedelta

import pytest
from flask import render_template

from core.accounts.models import User
from core.database import utcnow
from core.extensions import db
from events.models import Audience, EventStatus, RegistrationStatus
from events.services.registration_links import registration_link
from tests.conftest import sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory, SessionFactory


def text_of(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def main_of(response):
    page = text_of(response)
    return page[page.index("<main"):page.index("</main>")]


@pytest.fixture
def organiser(make_user):
    return make_user(roles=["organiser"])


@pytest.mark.parametrize("status, says, manage_says, manage_hides", [
    (EventStatus.DRAFT, "This is a draft. Only organisers can see it.", ["Edit", "Publish", "Postpone or cancel"],
     ["Unpublish", "Give it a new date"]),
    (EventStatus.PUBLISHED, "Register", ["Edit", "Unpublish", "Postpone or cancel"], ["Give it a new date"]),
    (EventStatus.POSTPONED, "This event has been postponed. A new date will be announced.",
     ["Give it a new date", "Postpone or cancel"], ["Publish", "Unpublish"]),  # only a new date puts it back on
    (EventStatus.CANCELLED, "This event has been cancelled.", [], ["Edit", "Publish", "Postpone or cancel"]),
])
def test_an_events_page_and_its_manage_page_follow_its_status(app, client, organiser, status, says, manage_says,
                                                               manage_hides):
    with app.app_context():
        event = EventFactory(organisers=[db.session.get(User, organiser.id)], status=status)
        event_id = event.id
    sign_in(client, organiser)
    page = main_of(client.get(f"/events/{event_id}"))
    assert says in page
    warnings = {"This is a draft", "has been postponed", "has been cancelled"}
    assert [warning for warning in warnings if warning in page] == [w for w in warnings if w in says]
    assert ("Places" in page) is (status != EventStatus.CANCELLED)
    manage = main_of(client.get(f"/manage/events/{event_id}"))
    buttons = set(re.findall(r">\s*([A-Z][a-z]+(?: [a-z]+)*)\s*</(?:a|button)>", manage))
    assert set(manage_says) <= buttons and not set(manage_hides) & buttons, buttons
    check_in = main_of(client.get(f"/manage/events/{event_id}/check-in"))
    assert ("This event has been cancelled, so no one can be checked in" in check_in) is (
        status == EventStatus.CANCELLED)


def test_the_events_list_tags_a_date_that_is_not_simply_published(app, client):
    with app.app_context():
        EventFactory(title="Going ahead"), EventFactory(title="Put off", status=EventStatus.POSTPONED)
    listing = main_of(client.get("/events"))
    going, put_off = listing.index("Going ahead"), listing.index("Put off")
    row_of_put_off = listing[put_off:listing.index("</h3>", put_off)]
    row_going = listing[going:listing.index("</h3>", going)]
    assert "Postponed</strong>" in row_of_put_off and "govuk-tag" not in row_going


@pytest.mark.parametrize("audience, says", [
    (Audience.PUBLIC, '/register" role="button"'),
    (Audience.INVITATION, "This event is by invitation. If you were invited"),
])
def test_an_events_page_says_who_may_book_it(app, client, organiser, audience, says):
    with app.app_context():
        event = EventFactory(organisers=[db.session.get(User, organiser.id)], audience=audience)
        event_id = event.id
    assert says in main_of(client.get(f"/events/{event_id}"))
    sign_in(client, organiser)
    assert ("This event is by invitation only, so nobody else can" in main_of(
        client.get(f"/manage/events/{event_id}/invitations"))) is (audience == Audience.INVITATION)


def _registration(app, make_user, status, *, event_status=EventStatus.PUBLISHED, sessions=False, guest=False):
    """A member's (or a guest's) registration with `status`, at an event with
    `event_status`; its emailed link, its id, its event's and its holder."""
    member = None if guest else make_user()
    with app.app_context():
        event = EventFactory(status=event_status, capacity=5)
        if sessions:
            SessionFactory(event=event, title="Pottery")
        holder = {} if guest else {"user": db.session.get(User, member.id), "email": member.email}
        registration = RegistrationFactory(
            event=event, status=status, **holder,
            offer_expires_at=utcnow() + timedelta(days=2) if status == RegistrationStatus.OFFERED else None,
            waitlisted_at=utcnow() if status == RegistrationStatus.WAITLISTED else None)
        with app.test_request_context():
            link = registration_link(registration).removeprefix("http://localhost")
        return link, registration.id, event.id, member


# What a page says for a registration in each status: the cancel page's question and button, the
# registration page's own words, and My events' line.
STANDING = {
    RegistrationStatus.CONFIRMED: ("Cancel your place at", "Cancel my place", "Keep my place", "Choose sessions",
                                   "Cancel<span"),
    RegistrationStatus.OFFERED: ("Turn down the place offered to you at", "Turn down the place", "Keep my place",
                                 "Accept the place", "Accept by"),
    RegistrationStatus.WAITLISTED: ("Leave the waiting list for", "Leave the waiting list", "Go back",
                                    "On the waiting list, number 1 in the queue", "Number 1 in the queue."),
    RegistrationStatus.PENDING: ("Cancel your registration for", "Cancel my registration", "Go back",
                                 "You can choose sessions once your place is booked.", "Cancel<span"),
}


@pytest.mark.parametrize("status", list(STANDING))
def test_each_page_of_a_registration_says_where_it_stands(app, client, make_user, status):
    question, button, back, on_its_page, in_my_events = STANDING[status]
    link, registration_id, event_id, member = _registration(app, make_user, status, sessions=True)
    confirm = main_of(app.test_client().get(f"{link}/cancel"))
    assert question in confirm and f"{button}\n" in confirm and f">{back}</a>" in confirm
    assert ("Your place will be released" in confirm) is (
        status in (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED))
    assert ("You will leave the waiting list" in confirm) is (status == RegistrationStatus.WAITLISTED)
    assert ("This cannot be undone. If you join the waiting list again" in confirm) is (
        status == RegistrationStatus.WAITLISTED)
    page = main_of(app.test_client().get(link))
    assert on_its_page in page and "Cancel my registration" in page
    assert ("Choose the sessions you would like to go to." in page) is (status == RegistrationStatus.CONFIRMED)
    sign_in(client, member)
    assert in_my_events in main_of(client.get("/my-events"))
    cancel_mine = main_of(client.get(f"/my-events/{registration_id}/cancel"))
    assert question in cancel_mine and "We will email you to say it is done" in cancel_mine
    assert ("with a calendar file that takes the event out of your calendar" in cancel_mine) is (
        status == RegistrationStatus.CONFIRMED)
    event_page = main_of(client.get(f"/events/{event_id}"))
    assert f"You are registered: {status.label.lower()}." in event_page
    assert ("and choose sessions" in event_page) is (status == RegistrationStatus.CONFIRMED)


def test_a_place_at_a_cancelled_event_reads_as_cancelled_on_each_page(app, client, make_user):
    link, registration_id, event_id, member = _registration(app, make_user, RegistrationStatus.CONFIRMED,
                                                            event_status=EventStatus.CANCELLED, sessions=True)
    confirm = main_of(app.test_client().get(f"{link}/cancel"))
    assert "is cancelled" in confirm and "The event has been cancelled, so there is nothing to cancel." in confirm
    page = main_of(app.test_client().get(link))
    assert "Cancelled: the event has been cancelled" in page and "Cancel my registration" not in page
    assert "once your place is booked" not in page
    sign_in(client, member)
    assert "The event has been cancelled." in main_of(client.get("/my-events"))
    assert "Your registration is cancelled with the event." in main_of(client.get(f"/events/{event_id}"))


def test_a_cancelled_registration_has_nothing_more_to_cancel(app, make_user):
    link, *_ = _registration(app, make_user, RegistrationStatus.CANCELLED)
    confirm = main_of(app.test_client().get(f"{link}/cancel"))
    assert "There is nothing more to cancel." in confirm


@pytest.mark.parametrize("status", [RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED])
def test_a_place_at_a_postponed_event_is_kept_for_its_new_date(app, make_user, status):
    link, *_ = _registration(app, make_user, status, event_status=EventStatus.POSTPONED)
    kept = "the event has been postponed, and your place is kept"
    page = main_of(app.test_client().get(link))
    assert (f"{status.label}: {kept}" in page) is (status == RegistrationStatus.CONFIRMED)
    assert (kept in page) is (status == RegistrationStatus.CONFIRMED)


@pytest.mark.parametrize("status", list(RegistrationStatus))
def test_a_guest_with_a_place_or_waiting_is_asked_the_equality_questions(app, make_user, status):
    link, *_ = _registration(app, make_user, status, guest=True)
    asked = "Answer the equality monitoring questions" in main_of(app.test_client().get(link))
    assert asked is (status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
                                RegistrationStatus.OFFERED))


def test_registration_closed_is_said_only_of_a_published_event(app, client):
    with app.app_context():
        closed = EventFactory(registration_closes_at=utcnow() - timedelta(hours=1)).id
        put_off = EventFactory(registration_closes_at=utcnow() - timedelta(hours=1), status=EventStatus.POSTPONED).id
    assert "Registration has closed." in main_of(client.get(f"/events/{closed}"))
    assert "Registration has closed." not in main_of(client.get(f"/events/{put_off}"))


def test_the_other_dates_of_a_series_say_which_are_not_going_ahead(app, client, organiser):
    with app.app_context():
        from events.models import EventSeries
        series = EventSeries(rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20991231T235959")
        db.session.add(series)
        first = EventFactory(organisers=[db.session.get(User, organiser.id)], series=series)
        EventFactory(series=series, starts_at=first.starts_at + timedelta(days=7))
        EventFactory(series=series, starts_at=first.starts_at + timedelta(days=14), status=EventStatus.POSTPONED)
        first_id = first.id
    public = main_of(client.get(f"/events/{first_id}"))
    sign_in(client, organiser)
    manage = main_of(client.get(f"/manage/events/{first_id}"))
    for page in (public, manage):
        assert page.count("(postponed)") == 1 and "(published)" not in page


def test_a_registration_that_waits_for_its_email_check_says_check_your_email(app):
    """A guest's place waits for the emailed link, and the page after booking
    says so: drawn with the registration, as a page after booking may be."""
    with app.app_context(), app.test_request_context():
        event = EventFactory(instant_guest_places=False)
        for status, says in ((RegistrationStatus.PENDING, "Check your email"),
                             (RegistrationStatus.CONFIRMED, "You&#39;re booked")):
            page = render_template("events/registered.html", event=event, emailed="guest@example.org",
                                   registration=RegistrationFactory(event=event, status=status))
            assert says in page


@pytest.mark.parametrize("full, says", [(False, "You&#39;re booked"), (True, "You&#39;re on the waiting list")])
def test_the_page_after_booking_says_what_a_member_got(app, client, make_user, full, says):
    member = make_user()
    with app.app_context():
        event = EventFactory(capacity=1)
        if full:
            RegistrationFactory(event=event)
        event_id = event.id
    sign_in(client, member)
    page = main_of(submit(client, f"/events/{event_id}/register", {}))
    assert says in page and "Check your email" not in page


def test_an_events_page_invites_only_what_can_be_done(app, client, make_user):
    """Found walking the site: "Register for the event first; then you can choose
    the sessions" to someone registered, and "Full: join the waiting list" with no
    way to join on a postponed event."""
    member = make_user()
    with app.app_context():
        registered = EventFactory(capacity=1)
        SessionFactory(event=registered)
        RegistrationFactory(event=registered, user=db.session.get(User, member.id))
        put_off = EventFactory(capacity=1, status=EventStatus.POSTPONED)
        SessionFactory(event=put_off)
        RegistrationFactory(event=put_off)
        open_full = EventFactory(capacity=1)
        SessionFactory(event=open_full)
        RegistrationFactory(event=open_full)
        db.session.commit()
        ids = registered.id, put_off.id, open_full.id
    sign_in(client, member)
    mine, postponed, full = (main_of(client.get(f"/events/{event_id}")) for event_id in ids)
    assert "Register for the event first" not in mine and "choose sessions" in mine
    assert "Register for the event first" not in postponed and "join the waiting list" not in postponed
    assert "Full" in postponed
    assert "Register for the event first" in full and "Full: join the waiting list" in full
