"""Events through the real pages and forms: what organisers and the public
see and what is saved."""
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event as sa_event, func, select

from core.database import in_london, utcnow
from core.extensions import db
from events.services.registration_links import registration_token
from events.models import Attendance, Event, EventStatus, Registration, RegistrationStatus, Venue
from tests.conftest import every_row, sign_in, submit
from tests.events.factories import EventFactory, PriorityFactory, RegistrationFactory, SessionFactory, VenueFactory


def text_of(response):
    return response.get_data(as_text=True)


def in_days(days):
    return date.today() + timedelta(days=days)


def event_form(venue, **overrides):
    start = in_days(20)
    data = {"title": "Faith and food", "summary": "Sharing food across faiths", "description": "Bring **a dish**.",
            "kind": "community_event", "audience": "public",
            "start_date": [str(start.day), str(start.month), str(start.year)], "start_time": "6:30pm",
            "end_date": [str(start.day), str(start.month), str(start.year)], "end_time": "20:30",
            "venue_id": str(venue), "online_url": "", "contact_email": "food@example.org", "capacity": "30",
            "max_tickets": "2", "allow_guests": "y"}
    data.update(overrides)
    return data


@pytest.fixture
def organiser(make_user):
    return make_user(roles=["organiser"])


@pytest.fixture
def venue_id(app):
    with app.app_context():
        return VenueFactory(name="Guildhall").id


def test_organiser_creates_publishes_and_the_public_sees_the_event(client, app, organiser, venue_id):
    with app.app_context():
        priority_id = PriorityFactory(name="Inter-faith work").id
    sign_in(client, organiser)
    response = submit(client, "/manage/events/new", event_form(venue_id, priorities=[str(priority_id)]))
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event))
        assert event.status == EventStatus.DRAFT and event.capacity == 30
        assert in_london(event.starts_at).strftime("%H:%M") == "18:30"  # "6:30pm", UK time, stored in UTC
        assert event.starts_at.utcoffset() == timedelta(0)
        event_id = event.id
    assert client.get(f"/events/{event_id}").status_code == 200  # organisers see their drafts
    anonymous = app.test_client()
    assert anonymous.get(f"/events/{event_id}").status_code == 404
    assert "Faith and food" not in text_of(anonymous.get("/events"))

    submit(client, f"/manage/events/{event_id}/publish", form_url=f"/manage/events/{event_id}")
    listing = text_of(anonymous.get("/events"))
    assert "Faith and food" in listing
    page = text_of(anonymous.get(f"/events/{event_id}"))
    assert "6:30pm to 8:30pm" in page and "30 of 30 left" in page and "<strong>a dish</strong>" in page
    assert "Inter-faith work" in page
    assert '<a class="govuk-link" href="mailto:food@example.org">food@example.org</a>' in page
    assert "1 High Street, Northampton, NN1 1AA" in page
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "Event" and data["name"] == "Faith and food"
    assert data["location"]["name"] == "Guildhall" and data["maximumAttendeeCapacity"] == 30


@pytest.mark.parametrize("overrides, field, message", [
    ({"end_time": "17:00"}, "end_date", "The end must be after the start"),
    ({"start_time": "25:99"}, "start_time", "Enter start time as a time"),
    ({"start_date": ["31", "2", "2030"]}, "start_date", "Start date must be a real date"),
    ({"start_date": ["1", "1", "2020"], "end_date": ["1", "1", "2020"]}, "start_date", "The start must be in the future"),
    ({"venue_id": "0"}, "venue_id", "Choose a venue, give an online joining link, or both"),
    ({"capacity": "-4"}, "capacity", "Places must be between 1 and 100000"),
    ({"capacity": "thirty"}, "capacity", "Places must be a whole number, like 12"),
    ({"kind": "rave"}, "kind", "Choose the kind of event from the list"),
    ({"online_url": "not a link"}, "online_url", "Enter the link in full"),
    ({"description": "x" * 10001}, "description", "Description must be 10000 characters or fewer"),
    ({"title": ""}, "title", "Enter a title"),
])
def test_bad_event_details_are_explained_beside_the_field_and_nothing_is_saved(
        client, app, organiser, venue_id, overrides, field, message):
    sign_in(client, organiser)
    response = submit(client, "/manage/events/new", event_form(venue_id, **overrides))
    page = text_of(response)
    assert response.status_code == 200 and f'href="#{field}"' in page and message in page
    assert 'value="Faith and food"' in page or overrides.get("title") == ""
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_capacity_below_the_places_booked_is_refused_with_the_reason(client, app, organiser, venue_id, make_user):
    sign_in(client, organiser)
    submit(client, "/manage/events/new", event_form(venue_id, capacity="5"))
    with app.app_context():
        event = db.session.scalar(select(Event))
        event.status = EventStatus.PUBLISHED
        for n in range(3):
            RegistrationFactory(event=event)
        event_id = event.id
    response = submit(client, f"/manage/events/{event_id}/edit", event_form(venue_id, capacity="2"))
    assert "3 places are already booked or offered" in text_of(response)
    with app.app_context():
        assert db.session.get(Event, event_id).capacity == 5


def test_filters_narrow_the_list(client, app):
    with app.app_context():
        priority = PriorityFactory(name="Inter-faith work", slug="inter-faith-work")
        EventFactory(title="Interfaith supper", kind="forum_meeting", priorities=[priority])
        EventFactory(title="Park clean-up", venue=VenueFactory(step_free=False))
        EventFactory(title="Old news", starts_at=utcnow() - timedelta(days=3), ends_at=utcnow() - timedelta(days=2))
        EventFactory(title="Secret draft", status=EventStatus.DRAFT)
    everything = text_of(client.get("/events"))
    assert "Interfaith supper" in everything and "Park clean-up" in everything
    assert "Old news" not in everything and "Secret draft" not in everything
    assert "Park clean-up" not in text_of(client.get("/events?kind=forum_meeting"))
    assert "Park clean-up" not in text_of(client.get("/events?priority=inter-faith-work"))
    assert "Park clean-up" not in text_of(client.get("/events?step_free=y"))
    assert "Interfaith supper" not in text_of(client.get("/events?q=park"))
    past = in_days(-5)
    assert "Old news" in text_of(client.get(f"/events?date_from={past.day}&date_from={past.month}&date_from={past.year}"))
    bad = client.get("/events?date_from=99&date_from=99&date_from=2020")
    assert bad.status_code == 200 and "From must be a real date" in text_of(bad)


def queries_for(app, client, path) -> int:
    """How many SQL statements one request runs."""
    with app.app_context():
        count = []
        listener = lambda *args: count.append(1)  # noqa: E731
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(path).status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
        return len(count)


def test_the_list_costs_the_same_queries_for_5_or_20_events(client, app):
    with app.app_context():
        priority = PriorityFactory()
        for _ in range(5):
            EventFactory(priorities=[priority])
    few = queries_for(app, client, "/events")
    with app.app_context():
        for _ in range(15):
            EventFactory(priorities=[priority])
    assert queries_for(app, client, "/events") == few


def test_organiser_pages_cost_the_same_queries_for_3_or_30_people(client, app, organiser):
    with app.app_context():
        from core.accounts.models import User
        event = EventFactory(organisers=[db.session.get(User, organiser.id)], capacity=100)
        event_id = event.id
        for _ in range(3):
            RegistrationFactory(event=event)
    sign_in(client, organiser)
    pages = [f"/manage/events/{event_id}", f"/manage/events/{event_id}/check-in",
             f"/manage/events/{event_id}/registrations.csv"]
    few = [queries_for(app, client, page) for page in pages]
    with app.app_context():
        event = db.session.get(Event, event_id)
        for _ in range(27):
            RegistrationFactory(event=event)
    assert [queries_for(app, client, page) for page in pages] == few


def test_a_guest_registers_and_confirms_by_email(client, app, outbox):
    with app.app_context():
        event_id = EventFactory(instant_guest_places=False, capacity=2).id
    response = submit(client, f"/events/{event_id}/register",
                      {"name": "Hana", "email": "Hana@Example.org", "access_needs": "Step-free access"})
    assert "Check your email" in text_of(response)
    [message] = outbox
    link = re.search(r"http://localhost(/registrations/\S+/confirm)", message.body).group(1)
    assert "Confirm my place" in text_of(client.get(link))
    manage = submit(client, link)
    assert "Booked" in text_of(client.get(manage.location))
    again = client.get(link)  # found walking it: opened again once confirmed, it still asked to confirm
    assert again.status_code == 302 and again.location == manage.location
    booked = outbox[-1]
    assert booked.subject.startswith("You're booked")
    [(filename, calendar, content_type)] = booked.attachments
    assert filename.endswith(".ics") and content_type == "text/calendar" and "BEGIN:VEVENT" in calendar
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert (registration.status, registration.email, registration.access_needs) == (
            RegistrationStatus.CONFIRMED, "hana@example.org", "Step-free access")


def test_an_address_with_letters_beyond_ascii_before_the_at_is_refused_saying_why(client, app):
    """Found walking: paweł@... was taken, and its emails written in a form no mail server delivers."""
    with app.app_context():
        event_id = EventFactory().id
    response = submit(client, f"/events/{event_id}/register", {"name": "Paweł Nowak", "email": "paweł@example.org"})
    page = text_of(response)
    assert "We cannot send email to an address with letters like ł or é before the @ yet" in page
    assert 'value="paweł@example.org"' in page
    booked = submit(client, f"/events/{event_id}/register", {"name": "Paweł Nowak", "email": "pawel@zażółć.pl"})
    assert booked.status_code == 200 and "cannot send email" not in text_of(booked)  # a domain's letters are fine
    with app.app_context():
        assert db.session.scalar(select(Registration.email)) == "pawel@zażółć.pl"


def test_registration_errors_keep_what_was_typed(client, app):
    with app.app_context():
        event_id = EventFactory().id
    response = submit(client, f"/events/{event_id}/register",
                      {"name": "<b>Hana</b>", "email": "not-an-email", "dietary_needs": "Halal"})
    page = text_of(response)
    assert "Enter an email address in the correct format" in page
    assert 'value="&lt;b&gt;Hana&lt;/b&gt;"' in page and ">Halal</textarea>" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_member_registers_is_waitlisted_and_promoted_when_someone_cancels(app, make_user, outbox):
    with app.app_context():
        event_id = EventFactory(capacity=1).id
    first, second = make_user(), make_user()
    first_browser, second_browser = app.test_client(), app.test_client()
    sign_in(first_browser, first)
    sign_in(second_browser, second)
    assert "You&#39;re booked" in text_of(submit(first_browser, f"/events/{event_id}/register", {}))
    assert "Join the waiting list" in text_of(second_browser.get(f"/events/{event_id}"))
    assert "waiting list" in text_of(submit(second_browser, f"/events/{event_id}/register", {}))
    assert "Number 1 in the queue" in text_of(second_browser.get("/my-events"))

    with app.app_context():
        first_registration = db.session.scalar(select(Registration).where(Registration.email == first.email)).id
    submit(first_browser, f"/my-events/{first_registration}/cancel", form_url="/my-events")
    assert "Place offered" in text_of(second_browser.get("/my-events"))
    offer = [m for m in outbox if m.to == [second.email] and m.subject.startswith("A place is free")][0]
    link = re.search(r"http://localhost(/registrations/\S+)", offer.body).group(1)
    submit(second_browser, link + "/accept", form_url=link)
    assert "Booked" in text_of(second_browser.get("/my-events"))


def test_an_offer_to_a_group_speaks_of_its_places(app, client):
    """It read "A place has come free... Accept the place" to a group of 2."""
    with app.test_request_context():
        event = EventFactory(capacity=4)
        offers = {tickets: RegistrationFactory(event=event, tickets=tickets, status=RegistrationStatus.OFFERED,
                                               confirmed_at=None, offer_expires_at=utcnow() + timedelta(days=1))
                  for tickets in (1, 2)}
        links = {tickets: f"/registrations/{registration_token(offer)}" for tickets, offer in offers.items()}
        db.session.commit()
    group = text_of(client.get(links[2]))
    assert "2 places have come free for you. Accept them by" in group and "Accept the places" in group
    assert "A place has come free" not in group
    one = text_of(client.get(links[1]))
    assert "A place has come free for you. Accept it by" in one
    assert "Accept the place" in one and "Accept the places" not in one


def test_nobody_can_cancel_someone_elses_registration_from_my_events(app, client, make_user):
    owner, other = make_user(), make_user()
    with app.app_context():
        registration = RegistrationFactory(user_id=owner.id, person_key=f"user:{owner.id}")
        registration_id = registration.id
    sign_in(client, other)
    assert submit(client, f"/my-events/{registration_id}/cancel", form_url="/my-events").status_code == 404
    with app.app_context():
        assert db.session.get(Registration, registration_id).status == RegistrationStatus.CONFIRMED


def test_check_in_search_undo_and_walk_ins(client, app, organiser):
    with app.app_context():
        from core.accounts.models import User
        user = db.session.get(User, organiser.id)
        event = EventFactory(organisers=[user])
        amira = RegistrationFactory(event=event, name="Amira Khan")
        RegistrationFactory(event=event, name="Ben Jones")
        event_id, amira_id = event.id, amira.id
    sign_in(client, organiser)
    page = text_of(client.get(f"/manage/events/{event_id}/check-in?q=amira"))
    assert "Amira Khan" in page and "Ben Jones" not in page
    for typed in ("%", "_", "\x00amira"):  # wildcards are characters; a NUL (PostgreSQL refuses it) is dropped
        found = client.get(f"/manage/events/{event_id}/check-in", query_string={"q": typed})
        assert found.status_code == 200 and ("Ben Jones" in text_of(found)) is False
    submit(client, f"/manage/events/{event_id}/check-in/{amira_id}", form_url=f"/manage/events/{event_id}/check-in")
    assert "Amira Khan is checked in" in text_of(client.get(f"/manage/events/{event_id}/check-in"))
    submit(client, f"/manage/events/{event_id}/walk-ins", {"walk_in_name": "Chris", "people": "2"},
           form_url=f"/manage/events/{event_id}/check-in")
    with app.app_context():
        assert db.session.scalar(select(func.sum(Attendance.people))) == 3
    submit(client, f"/manage/events/{event_id}/check-in/{amira_id}/undo", form_url=f"/manage/events/{event_id}/check-in")
    with app.app_context():
        assert db.session.scalar(select(func.sum(Attendance.people))) == 2


def _walk_ins(app, organiser):
    """Chris (2 people) walked in to an event of `organiser`'s; Dana to someone
    else's, and Amira booked and was checked in. Returns their events' and rows' ids."""
    with app.app_context():
        from core.accounts.models import User
        event, elsewhere = EventFactory(organisers=[db.session.get(User, organiser.id)]), EventFactory()
        chris = Attendance(event_id=event.id, walk_in_name="Chris", people=2)
        dana = Attendance(event_id=elsewhere.id, walk_in_name="Dana", people=1)
        amira = Attendance(event_id=event.id, registration=RegistrationFactory(event=event, name="Amira Khan"))
        db.session.add_all([chris, dana, amira])
        db.session.commit()
        return event.id, chris.id, dana.id, amira.id


def walk_ins_of(app, event_id):
    with app.app_context():
        return db.session.execute(select(Attendance.walk_in_name, Attendance.people).where(
            Attendance.event_id == event_id, Attendance.registration_id.is_(None)).order_by(Attendance.id)).all()


def test_an_organiser_corrects_a_walk_in_from_the_check_in_page(client, app, organiser):
    event_id, chris, *_ = _walk_ins(app, organiser)
    sign_in(client, organiser)
    check_in = f"/manage/events/{event_id}/check-in"
    change = f"/manage/events/{event_id}/walk-ins/{chris}/change"
    assert change in text_of(client.get(check_in))
    page = text_of(client.get(change))
    assert 'value="Chris"' in page and 'value="2"' in page  # what is stored, ready to correct

    refused = submit(client, change, {"walk_in_name": "Chris Lee", "people": "0"})
    assert refused.status_code == 200
    assert "Enter between 1 and 100" in text_of(refused) and 'value="Chris Lee"' in text_of(refused)
    assert walk_ins_of(app, event_id) == [("Chris", 2)]

    # A name of spaces alone was saved as no name (found by attacking check-in), here and when adding.
    for form_page in (change, f"/manage/events/{event_id}/walk-ins"):
        blank = submit(client, form_page, {"walk_in_name": "   ", "people": "1"},
                       form_url=change if form_page == change else check_in, follow_redirects=True)
        assert "Enter the name of the person who walked in" in text_of(blank)
    assert walk_ins_of(app, event_id)[0] == ("Chris", 2) and ("", 1) not in walk_ins_of(app, event_id)

    done = submit(client, change, {"walk_in_name": "Chris Lee", "people": "3"})
    assert done.status_code == 302 and done.location.endswith(check_in)
    assert "Chris Lee has been changed." in text_of(client.get(check_in))
    assert walk_ins_of(app, event_id) == [("Chris Lee", 3)]


def test_removing_a_walk_in_asks_first(client, app, organiser):
    event_id, chris, *_ = _walk_ins(app, organiser)
    sign_in(client, organiser)
    check_in = f"/manage/events/{event_id}/check-in"
    remove = f"/manage/events/{event_id}/walk-ins/{chris}/remove"
    assert remove in text_of(client.get(check_in))
    page = text_of(client.get(remove))
    assert "Remove Chris from the walk-ins?" in page and "The 2 people will no longer count" in page
    assert f'href="{check_in}">Cancel' in page and walk_ins_of(app, event_id) == [("Chris", 2)]

    done = submit(client, remove)
    assert done.status_code == 302 and done.location.endswith(check_in)
    assert "Chris is no longer counted as a walk-in." in text_of(client.get(check_in))
    assert walk_ins_of(app, event_id) == []
    assert client.get(remove).status_code == 404


@pytest.mark.parametrize("action", ["change", "remove"])
def test_a_walk_in_is_reached_only_through_its_own_event(client, app, organiser, action):
    """No walk-in of another event (or a booked person's check-in) under the
    address of an event the organiser runs: not found, and nothing changes."""
    event_id, chris, dana, amira = _walk_ins(app, organiser)
    sign_in(client, organiser)
    token_page = f"/manage/events/{event_id}/check-in"
    for other in (dana, amira, 10**9):
        url = f"/manage/events/{event_id}/walk-ins/{other}/{action}"
        assert client.get(url).status_code == 404
        before = every_row(app)
        data = {"walk_in_name": "Changed", "people": "9"}
        assert submit(client, url, data, form_url=token_page).status_code == 404
        assert every_row(app) == before


@pytest.mark.parametrize("who", ["another organiser", "member", "stranger"])
@pytest.mark.parametrize("action", ["change", "remove"])
def test_only_the_events_organisers_correct_its_walk_ins(client, app, organiser, make_user, who, action):
    event_id, chris, *_ = _walk_ins(app, organiser)
    url = f"/manage/events/{event_id}/walk-ins/{chris}/{action}"
    if who != "stranger":
        sign_in(client, make_user(roles=["organiser"] if who == "another organiser" else []))
    before = every_row(app)
    for response in (client.get(url), submit(client, url, {"walk_in_name": "Changed", "people": "9"},
                                              form_url="/account" if who != "stranger" else "/sign-in")):
        if who == "stranger":
            assert response.status_code == 302 and response.location.startswith("/sign-in")
        else:
            assert response.status_code == 403
    assert every_row(app) == before


def test_csv_export_is_safe_to_open_in_a_spreadsheet(client, app, organiser):
    with app.app_context():
        from core.accounts.models import User
        event = EventFactory(organisers=[db.session.get(User, organiser.id)])
        RegistrationFactory(event=event, name="=HYPERLINK(\"http://evil\")", access_needs="Wheelchair user")
        event_id = event.id
    sign_in(client, organiser)
    response = client.get(f"/manage/events/{event_id}/registrations.csv")
    body = response.get_data().decode("utf-8-sig")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "'=HYPERLINK" in body and "Wheelchair user" in body


def test_cancelling_an_event_emails_everyone_and_shows_it_cancelled(client, app, organiser, outbox):
    with app.app_context():
        from core.accounts.models import User
        event = EventFactory(organisers=[db.session.get(User, organiser.id)])
        RegistrationFactory(event=event, email="booked@example.org")
        event_id = event.id
    sign_in(client, organiser)
    missing = submit(client, f"/manage/events/{event_id}/status", {"change": "cancel"})
    assert "Enter what to tell people" in text_of(missing)
    submit(client, f"/manage/events/{event_id}/status", {"change": "cancel", "reason": "The hall flooded."})
    [message] = [m for m in outbox if m.to == ["booked@example.org"]]
    assert message.subject.startswith("Cancelled:") and "The hall flooded." in message.body
    assert "This event has been cancelled" in text_of(app.test_client().get(f"/events/{event_id}"))


def test_an_organiser_adds_a_venue_with_its_facilities(client, app, organiser):
    sign_in(client, organiser)
    submit(client, "/manage/venues/new", {"name": "Mosque hall", "address": "2 Road", "postcode": "nn1 2aa",
                                          "hearing_loop": "y", "quiet_room": "y"})
    page = text_of(client.get("/manage/venues"))
    assert "Mosque hall" in page and "NN1 2AA" in page and "Hearing loop, Prayer or quiet room" in page


@pytest.mark.parametrize("typed", ["91, -0.8946", "52.2370, 181", "north of the river", "52.2370", "1e5, 2"])
def test_a_venues_map_position_must_be_latitude_and_longitude(client, app, organiser, typed):
    sign_in(client, organiser)
    response = submit(client, "/manage/venues/new", {"name": "Mosque hall", "address": "2 Road",
                                                     "postcode": "NN1 2AA", "position": typed})
    page = text_of(response)
    assert "Enter the map position as latitude, longitude, like 52.2370, -0.8946" in page
    assert f'value="{typed}"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Venue)) == 0


def test_a_venues_map_position_is_kept_and_shown_again(client, app, organiser):
    sign_in(client, organiser)
    submit(client, "/manage/venues/new", {"name": "Guildhall", "address": "St Giles Square",
                                          "postcode": "NN1 1DE", "position": " (52.237053, -0.894761) "})
    with app.app_context():
        venue = db.session.scalar(select(Venue))
        assert venue.position == (52.237053, -0.894761)
    assert 'value="52.2371, -0.894761"' in text_of(client.get(f"/manage/venues/{venue.id}/edit"))


def test_admins_add_and_rename_priorities_without_duplicates(client, app, make_user):
    sign_in(client, make_user(roles=["admin"]))
    submit(client, "/admin/priorities", {"name": "  Welcoming   new arrivals "})
    with app.app_context():
        from events.models import CohesionPriority
        added = db.session.scalar(select(CohesionPriority))
        assert (added.name, added.slug) == ("Welcoming new arrivals", "welcoming-new-arrivals")
        priority_id = added.id
    duplicate = submit(client, "/admin/priorities", {"name": "welcoming new ARRIVALS"})
    assert "There is already a priority with that name" in text_of(duplicate)
    submit(client, f"/admin/priorities/{priority_id}", {"name": "Welcoming refugees and new arrivals"})
    page = text_of(client.get("/admin/priorities"))
    assert "Welcoming refugees and new arrivals" in page
    with app.app_context():
        assert db.session.scalar(select(CohesionPriority.slug)) == "welcoming-new-arrivals"


def test_the_edit_form_starts_with_the_events_own_choices(client, app, organiser):
    with app.app_context():
        from core.accounts.models import User
        priority = PriorityFactory(name="Inter-faith work")
        event = EventFactory(organisers=[db.session.get(User, organiser.id)], priorities=[priority])
        event_id, priority_id, venue_id = event.id, priority.id, event.venue_id
    sign_in(client, organiser)
    page = text_of(client.get(f"/manage/events/{event_id}/edit"))
    assert re.search(r'name="kind" type="radio" value="community_event" checked', page)
    assert re.search(r'name="audience" type="radio" value="public" checked', page)
    assert re.search(rf'name="priorities" type="checkbox" value="{priority_id}" checked', page)
    assert re.search(rf'<option selected value="{venue_id}">|<option value="{venue_id}" selected', page)


def test_the_filters_are_drawn_for_what_was_typed_each_time(client, app):
    """The filter fields' HTML is remembered by their input: a mistake shows
    with what was typed, and never on a later search without it."""
    bad = text_of(client.get("/events?date_from=31&date_from=2&date_from=2027&q=supper"))
    assert "From must be a real date" in bad and 'value="supper"' in bad and 'value="31"' in bad
    good = text_of(client.get("/events?q=supper"))
    assert "From must be a real date" not in good and 'value="supper"' in good and 'value="31"' not in good
    with app.app_context():
        PriorityFactory(name="Welcoming newcomers", slug="welcoming-newcomers")
    assert "Welcoming newcomers" in text_of(client.get("/events?q=supper"))  # a new choice is drawn at once


def test_a_place_on_a_cancelled_date_of_a_series_reads_as_cancelled_everywhere(client, app, organiser, make_user):
    """Issue 20, item 2: My events and the registration page said "Booked",
    with a Cancel button, and the event page counted places left."""
    member = make_user()
    with app.app_context():
        from core.accounts.models import User
        from events.models import EventSeries
        from events.services.registration_links import registration_link
        series = EventSeries(rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20991231T235959")
        db.session.add(series)
        event = EventFactory(organisers=[db.session.get(User, organiser.id)], capacity=30, series=series)
        EventFactory(series=series, starts_at=event.starts_at + timedelta(days=7))
        mine = RegistrationFactory(event=event, user=db.session.get(User, member.id), email=member.email)
        guest = RegistrationFactory(event=event)
        event_id, mine_id = event.id, mine.id
        with app.test_request_context():
            guest_link = registration_link(guest).removeprefix("http://localhost")
    sign_in(client, organiser)
    submit(client, f"/manage/events/{event_id}/status", {"change": "cancel", "reason": "The hall flooded."})

    member_browser = app.test_client()
    sign_in(member_browser, member)
    my_events = text_of(member_browser.get("/my-events"))
    assert "Cancelled" in my_events and "Booked" not in my_events
    assert f"/my-events/{mine_id}/cancel" not in my_events
    page = text_of(app.test_client().get(guest_link))
    assert "Cancelled" in page and "Booked" not in page and "Cancel my registration" not in page
    public = text_of(app.test_client().get(f"/events/{event_id}"))
    assert "This event has been cancelled" in public and "places left" not in public.lower()
    assert "of 30 left" not in public
    own_view = text_of(member_browser.get(f"/events/{event_id}"))
    assert "cancelled" in own_view and "You are registered: booked" not in own_view


@pytest.mark.parametrize("instant", [False, True], ids=["confirmed-by-email", "instant-places"])
def test_a_guest_booking_for_an_address_already_booked_looks_like_any_new_booking(client, app, outbox, make_user,
                                                                                  instant):
    """Issue 20, item 7: typing a member's address under another name made a
    second booking. Now the address is emailed, and the page is the one a new
    guest sees, so a stranger learns nothing about whether it is booked. On an
    event whose guests need not confirm by email, a new guest was shown
    "You're booked" and a booked address "Check your email": now both read
    "Check your email", and the email says what they hold."""
    member = make_user(email="amira@example.org")
    with app.app_context():
        from core.accounts.models import User
        event = EventFactory(instant_guest_places=instant, capacity=5)
        RegistrationFactory(event=event, user=db.session.get(User, member.id), email=member.email)
        event_id = event.id

    def main_of(response):
        page = text_of(response)
        return page[page.index("<main"):page.index("</main>")]

    taken = main_of(submit(client, f"/events/{event_id}/register", {"name": "Mallory", "email": "Amira@Example.org"}))
    fresh = main_of(submit(app.test_client(), f"/events/{event_id}/register",
                           {"name": "Newcomer", "email": "new@example.org"}))
    assert "Check your email" in taken and taken == fresh.replace("new@example.org", "amira@example.org")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.email == "amira@example.org")) == 1
    [told] = [m for m in outbox if m.to == ["amira@example.org"]]
    assert told.subject.startswith("You have already registered") and "/registrations/" in told.body
    if instant:
        [booked] = [m for m in outbox if m.to == ["new@example.org"]]
        assert "You're booked" in booked.subject or "booked" in booked.body.lower()


def test_a_postponed_event_given_a_new_date_stops_saying_one_will_be_announced(client, app, organiser, venue_id):
    """Issue 20, item 5."""
    with app.app_context():
        from core.accounts.models import User
        event = EventFactory(organisers=[db.session.get(User, organiser.id)], status=EventStatus.POSTPONED,
                             venue_id=venue_id)
        event_id = event.id
    assert "A new date will be announced" in text_of(app.test_client().get(f"/events/{event_id}"))
    sign_in(client, organiser)
    assert "Give it a new date" in text_of(client.get(f"/manage/events/{event_id}"))
    assert "saving publishes it again" in text_of(client.get(f"/manage/events/{event_id}/edit"))
    saved = submit(client, f"/manage/events/{event_id}/edit", event_form(venue_id), follow_redirects=True)
    assert "published again" in text_of(saved) and "emailed" not in text_of(saved)  # nobody had registered
    page = text_of(app.test_client().get(f"/events/{event_id}"))
    assert "postponed" not in page.lower() and "Register" in page


def test_a_walk_in_typed_wrong_comes_back_with_the_message_beside_the_field_and_what_was_typed(
        client, app, organiser):
    """Adding a walk-in with a mistake gave only a banner at the top of the
    check-in page and lost what was typed (found walking check-in on a phone)."""
    event_id, *_ = _walk_ins(app, organiser)
    sign_in(client, organiser)
    before = walk_ins_of(app, event_id)
    page = submit(client, f"/manage/events/{event_id}/walk-ins", {"walk_in_name": "Zed Zero", "people": "0"},
                  form_url=f"/manage/events/{event_id}/check-in")
    assert page.status_code == 200
    text = text_of(page)
    assert "govuk-error-summary" in text and 'id="people-error"' in text and "Enter between 1 and 100" in text
    assert 'value="Zed Zero"' in text and walk_ins_of(app, event_id) == before
    done = submit(client, f"/manage/events/{event_id}/walk-ins", {"walk_in_name": "Zed Zero", "people": "2"},
                  form_url=f"/manage/events/{event_id}/check-in")
    assert done.status_code == 302 and walk_ins_of(app, event_id) == [*before, ("Zed Zero", 2)]


def test_pages_of_a_cancelled_or_postponed_event_say_so(client, app, make_user):
    """The register page of a cancelled event said 'Join the waiting list' and
    'Registration has closed'; its event page offered to choose sessions; a
    postponed date read as plain 'Booked' in My events (found walking as a
    member and a guest at 390 px)."""
    member = make_user()
    with app.app_context():
        from core.accounts.models import User
        called_off, put_off = EventFactory(title="Called off", capacity=1), EventFactory(title="Put off")
        RegistrationFactory(event=put_off, user=db.session.get(User, member.id), email=member.email)
        SessionFactory(event=called_off)
        RegistrationFactory(event=called_off, user=db.session.get(User, member.id), email=member.email)
        called_off.status, put_off.status = EventStatus.CANCELLED, EventStatus.POSTPONED
        db.session.commit()
        ids = called_off.id, put_off.id
    register_page = text_of(app.test_client().get(f"/events/{ids[0]}/register"))
    assert "This event has been cancelled" in register_page and "waiting list" not in register_page
    assert "once it has its new date" in text_of(app.test_client().get(f"/events/{ids[1]}/register"))
    sign_in(client, member)
    assert "choose sessions" not in text_of(client.get(f"/events/{ids[0]}"))
    assert "The event has been postponed: your place is kept" in text_of(client.get("/my-events"))


def selects_for(app, client, path) -> int:
    """How many SELECT statements one request runs (SQLite's BEGIN left out)."""
    with app.app_context():
        selects = []
        listener = lambda conn, cursor, statement, *args: selects.append(statement)  # noqa: E731
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(path).status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
        return sum(statement.lstrip().upper().startswith(("SELECT", "WITH", "(SELECT")) for statement in selects)


def test_my_events_costs_the_same_queries_for_1_or_6_members_only_meetings(client, app, make_user):
    """Whether the holder may still see each members-only meeting is asked
    once for the whole list, not once a meeting; a meeting of a forum they
    have left drops off the list."""
    from core.accounts.models import User
    from events.models import Audience, EventKind
    from forums.models import MembershipStatus
    from tests.forums.factories import ForumFactory, MembershipFactory
    member = make_user()

    def meetings(count, *, left=False):
        with app.app_context():
            user = db.session.get(User, member.id)
            for _ in range(count):
                membership = MembershipFactory(user=user, forum=ForumFactory())
                title = f"Meeting of {membership.forum.name}"
                RegistrationFactory(user=user, email=member.email, event=EventFactory(
                    title=title, kind=EventKind.FORUM_MEETING, audience=Audience.FORUM_MEMBERS,
                    forum_id=membership.forum.id))
                if left:
                    membership.status = MembershipStatus.REMOVED
            db.session.commit()
            return title

    shown = meetings(1)
    sign_in(client, member)
    few = selects_for(app, client, "/my-events")
    meetings(5)
    gone = meetings(1, left=True)
    page = text_of(client.get("/my-events"))
    assert shown in page and gone not in page
    assert selects_for(app, client, "/my-events") == few


def test_the_person_signed_in_is_loaded_with_their_site_roles_in_one_statement(client, app, make_user):
    """Every signed-in page asks who is signed in and what they may do (the
    menu): one SELECT for both, whatever roles they hold."""
    admin = make_user(roles=["admin", "organiser"])
    sign_in(client, admin)
    with app.app_context():
        selects = []
        listener = lambda conn, cursor, statement, *args: selects.append(statement)  # noqa: E731
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = text_of(client.get("/cookies"))
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
    assert "Manage events" in page and "Admin" in page  # the roles were read
    assert [s for s in selects if "role_grants" in s] == [s for s in selects if "FROM users" in s]
    assert len([s for s in selects if "FROM users" in s]) == 1
