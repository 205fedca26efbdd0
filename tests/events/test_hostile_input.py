"""Random and hostile input to the event forms: never a 500, never a
half-made event or registration, typed HTML shown escaped."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.extensions import db
from core.accounts.models import User
from events.models import Event, EventInvitation, Registration
from tests.conftest import csrf_token, sign_in
from tests.core.test_hostile_input import TEXT
from tests.events.factories import EventFactory

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DATE_PART = st.one_of(st.integers(-5, 3000).map(str), TEXT)


@pytest.fixture
def organiser_client(app, make_user):
    organiser = make_user(roles=["organiser"])
    client = app.test_client()
    sign_in(client, organiser)
    with app.app_context():
        event = EventFactory(organisers=[db.session.get(User, organiser.id)], capacity=3, max_tickets=2)
        return client, event.id, event.venue_id


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@SETTINGS
@given(title=TEXT, start_time=TEXT, day=DATE_PART, month=DATE_PART, year=DATE_PART, capacity=TEXT, kind=TEXT,
       repeats=st.sampled_from(["", "weekly", "monthly_weekday", "yearly"]), until_day=DATE_PART)
def test_the_event_form_survives_anything(app, organiser_client, title, start_time, day, month, year, capacity,
                                          kind, repeats, until_day):
    client, _, venue_id = organiser_client
    before = count(app, Event)
    response = client.post("/manage/events/new", data={
        "title": title, "summary": "s", "kind": kind, "audience": "public", "start_date": [day, month, year],
        "start_time": start_time, "end_date": [day, month, year], "end_time": "23:59", "venue_id": str(venue_id),
        "contact_email": "a@example.org", "capacity": capacity, "max_tickets": "1", "repeats": repeats,
        "repeat_until": [until_day, month, year], "csrf_token": csrf_token(client, "/manage/events/new")})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert count(app, Event) == before
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


@SETTINGS
@given(name=TEXT, email=st.one_of(TEXT, st.emails()), tickets=TEXT, access=TEXT)
def test_registration_survives_anything(app, organiser_client, name, email, tickets, access):
    _, event_id, _ = organiser_client
    app.config["PUBLIC_FORM_LIMIT_PER_IP"] = app.config["PUBLIC_FORM_LIMIT_PER_EMAIL"] = "10000 per minute"
    guest = app.test_client()
    before = count(app, Registration)
    response = guest.post(f"/events/{event_id}/register", data={
        "name": name, "email": email, "tickets": tickets, "access_needs": access,
        "csrf_token": csrf_token(guest, f"/events/{event_id}/register")})
    assert response.status_code == 200
    after = count(app, Registration)
    assert after in (before, before + 1)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


@SETTINGS
@given(people=st.one_of(TEXT, st.lists(st.one_of(st.emails(), TEXT), max_size=5).map("\n".join)))
def test_the_invitation_list_survives_anything(app, organiser_client, people):
    client, event_id, _ = organiser_client
    url = f"/manage/events/{event_id}/invitations"
    before = count(app, EventInvitation)
    response = client.post(url, data={"people": people, "csrf_token": csrf_token(client, url)})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert count(app, EventInvitation) == before
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


@SETTINGS
@given(name=TEXT, email=st.one_of(TEXT, st.emails()), tickets=TEXT, held_back=st.sampled_from(["", "y", "junk"]))
def test_booking_someone_in_survives_anything(app, organiser_client, name, email, tickets, held_back):
    client, event_id, _ = organiser_client
    url = f"/manage/events/{event_id}/book"
    before = count(app, Registration)
    response = client.post(url, data={"name": name, "email": email, "tickets": tickets,
                                      "from_held_back": held_back, "csrf_token": csrf_token(client, url)})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert count(app, Registration) == before
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
