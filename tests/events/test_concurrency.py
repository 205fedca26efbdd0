"""No over-booking, ever: many people registering or cancelling at the same
moment, through a real multi-threaded server, on SQLite and PostgreSQL."""
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from html import unescape

from sqlalchemy import select

from core.extensions import db
from core.models import OutboxMessage
from core.accounts.models import User
from events.models import CalendarLink, Event, EventStatus, Registration, RegistrationStatus
from events.services.registration_links import registration_token
from tests.events.factories import EventFactory, RegistrationFactory
from tests.http_client import HttpClient
from tests.live_server import live_server

ROOMY_LIMITS = {"PUBLIC_FORM_LIMIT_PER_IP": "10000 per minute", "PUBLIC_FORM_LIMIT_PER_EMAIL": "10000 per minute"}


def all_at_once(jobs):
    """Run each job in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        prepare, act = job
        state = prepare()
        barrier.wait()
        return act(state)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def link_job(base_url, token, action, *, on_page=None):
    """A person who opens the page of their emailed link that has the button
    (by default the page for `action`, which asks first), then presses it."""
    def prepare():
        client = HttpClient(base_url)
        return client, client.csrf_token(on_page or f"/registrations/{token}/{action}")
    return prepare, lambda state: state[0].post(f"/registrations/{token}/{action}", {}, state[1])


def registrations(app, event_id):
    with app.app_context():
        return db.session.scalars(select(Registration).where(Registration.event_id == event_id)).all()


def register_job(base_url, event_id, email):
    path = f"/events/{event_id}/register"

    def prepare():
        client = HttpClient(base_url)
        return client, client.csrf_token(path)

    def act(state):
        client, token = state
        return client.post(path, {"name": f"Person {email.split('@')[0]}", "email": email}, token)

    return prepare, act


def test_many_registrations_at_once_never_overbook(app, database_url):
    with app.app_context():
        event = EventFactory(capacity=5, instant_guest_places=True)
        event_id = event.id
    with live_server(database_url, **ROOMY_LIMITS) as base_url:
        results = all_at_once([register_job(base_url, event_id, f"p{n}@example.org") for n in range(24)])
    assert [status for status, _ in results] == [200] * 24
    rows = registrations(app, event_id)
    confirmed = [r for r in rows if r.status == RegistrationStatus.CONFIRMED]
    waiting = sorted((r for r in rows if r.status == RegistrationStatus.WAITLISTED), key=lambda r: r.waitlisted_at)
    assert len(rows) == 24 and len(confirmed) == 5 and len(waiting) == 19
    # The queue is in the order the registrations were saved.
    assert [r.id for r in waiting] == sorted(r.id for r in waiting)


def test_a_double_clicked_register_button_makes_one_registration(app, database_url):
    with app.app_context():
        event_id = EventFactory(capacity=5, instant_guest_places=True).id
    with live_server(database_url, **ROOMY_LIMITS) as base_url:
        client = HttpClient(base_url)
        token = client.csrf_token(f"/events/{event_id}/register")
        same_form = (lambda: None, lambda _: client.post(
            f"/events/{event_id}/register", {"name": "Sam", "email": "sam@example.org"}, token))
        results = all_at_once([same_form, same_form, same_form])
    assert [status for status, _ in results] == [200, 200, 200]
    # Every press sees the page a new guest sees; the address is told the rest by email.
    assert all("Check your email" in page for _, page in results)
    assert len(registrations(app, event_id)) == 1


def test_concurrent_cancellations_promote_each_waiting_person_exactly_once(app, database_url):
    with app.app_context():
        event = EventFactory(capacity=3, instant_guest_places=True)
        event_id = event.id
        booked = [RegistrationFactory(event=event) for _ in range(3)]
        for n in range(5):
            RegistrationFactory(event=event, status=RegistrationStatus.WAITLISTED, confirmed_at=None,
                                waitlisted_at=event.created_at.replace(microsecond=n))
        with app.test_request_context():
            tokens = [registration_token(r) for r in booked]

    with live_server(database_url) as base_url:
        results = all_at_once([link_job(base_url, token, "cancel") for token in tokens])
    assert [status for status, _ in results] == [302, 302, 302]
    rows = registrations(app, event_id)
    offered = [r for r in rows if r.status == RegistrationStatus.OFFERED]
    waiting = [r for r in rows if r.status == RegistrationStatus.WAITLISTED]
    assert len(offered) == 3 and len(waiting) == 2
    assert max(r.waitlisted_at for r in offered) < min(r.waitlisted_at for r in waiting)


def test_a_double_clicked_calendar_address_button_leaves_one_working_address(app, database_url, make_user):
    member = make_user()
    with live_server(database_url, **ROOMY_LIMITS) as base_url:
        client = HttpClient(base_url)
        client.post("/sign-in", {"email": member.email, "password": member.password}, client.csrf_token("/sign-in"))
        token = client.csrf_token("/my-events")
        same_button = (lambda: None, lambda _: client.post("/my-events/calendar-link", {}, token))
        results = all_at_once([same_button, same_button, same_button])
        assert [status for status, _ in results] == [302, 302, 302]
        with app.app_context():
            links = db.session.scalars(select(CalendarLink).where(CalendarLink.user_id == member.id)).all()
        assert len(links) == 1
        assert client.get(f"/calendar/personal/{links[0].token}.ics")[0] == 200


def test_a_guests_confirm_pressed_several_times_at_once_books_them_once(app, database_url):
    """Each press read the guest as unconfirmed before waiting for the lock: on
    PostgreSQL the later ones took a place again and, the event now full, moved
    the guest just told "You're booked" to the waiting list (issue 20, item 3)."""
    with app.app_context():
        event = EventFactory(capacity=2, instant_guest_places=False)
        event_id = event.id
        RegistrationFactory(event=event)
        guest = RegistrationFactory(event=event, status=RegistrationStatus.PENDING, confirmed_at=None)
        guest_id, address = guest.id, guest.email
        with app.test_request_context():
            token = registration_token(guest)

    with live_server(database_url) as base_url:
        results = all_at_once([link_job(base_url, token, "confirm") for _ in range(3)])
    assert [status for status, _ in results] == [302, 302, 302]
    with app.app_context():
        assert db.session.get(Registration, guest_id).status == RegistrationStatus.CONFIRMED
        subjects = db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.recipient == address)).all()
    assert len([s for s in subjects if s.startswith("You're booked")]) == 1
    assert not [s for s in subjects if "waiting list" in s]
    assert len([r for r in registrations(app, event_id) if r.status == RegistrationStatus.CONFIRMED]) == 2


def test_an_event_hidden_while_people_book_ends_either_hidden_and_empty_or_published_with_them(
        app, database_url, make_user):
    """Unpublish counts the places booked under the event's lock, and booking
    reads the event again under the same lock: an event never ends as a
    draft holding places nobody can see or be told about."""
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event_id = EventFactory(capacity=20, instant_guest_places=True, created_by_id=organiser.id,
                                organisers=[db.session.get(User, organiser.id)]).id
    with live_server(database_url, **ROOMY_LIMITS) as base_url:
        client = HttpClient(base_url)
        client.sign_in(organiser.email, organiser.password)
        manage = f"/manage/events/{event_id}"
        token = client.csrf_token(manage)
        hide = (lambda: None, lambda _: client.post(f"{manage}/unpublish", {}, token))
        results = all_at_once([hide] + [register_job(base_url, event_id, f"p{n}@example.org") for n in range(6)])
    with app.app_context():
        status = db.session.get(Event, event_id).status
    # A booking that came after the event was hidden finds no event to book (404).
    allowed = {200, 302} | ({404} if status == EventStatus.DRAFT else set())
    assert {code for code, _ in results} <= allowed, [code for code, _ in results]
    booked = [r for r in registrations(app, event_id) if r.status != RegistrationStatus.CANCELLED]
    assert (status, bool(booked)) in {(EventStatus.DRAFT, False), (EventStatus.PUBLISHED, True)}, (status, len(booked))


def test_a_message_sent_from_one_preview_in_several_tabs_at_once_goes_once(app, database_url, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event = EventFactory(organisers=[db.session.get(User, organiser.id)])
        RegistrationFactory(event=event, email="reader@example.org")
        event_id = event.id
    with live_server(database_url, **ROOMY_LIMITS) as base_url:
        client = HttpClient(base_url)
        assert client.sign_in(organiser.email, organiser.password) == 302
        token = client.csrf_token(f"/manage/events/{event_id}/messages/new")
        form = {"subject": "Room change", "body": "We are in room 2.", "audiences": ["booked"], "essential": "yes"}
        _status, preview = client.post(f"/manage/events/{event_id}/messages/new", form, token)
        form["draft"] = unescape(re.search(r'name="draft" type="hidden" value="([^"]+)"', preview).group(1))
        send = (lambda: None, lambda _: client.post(f"/manage/events/{event_id}/messages/send", form, token))
        results = all_at_once([send, send, send])
        assert [status for status, _ in results] == [302, 302, 302]
        with app.app_context():
            sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "reader@example.org"))
            assert len(sent.all()) == 1
